// The request bodies an endpoint holds at once, in bytes: a request takes its share (its declared
// length, else the body limit) before its body is read and gives it back once it is answered, so
// what the bodies being read, waiting for a handler slot and being handled hold is bounded in sum,
// not per request. A request past the budget waits for room with its body unread (it stays in the
// sender's and the kernel's buffers): nothing is refused, and the platform's proxy, which waits
// for an answer as long as the agent heartbeats, delivers it once there is room.

/** Gives a request's share back (once; later calls do nothing). */
export type Release = () => void;

interface Waiter {
  bytes: number;
  key: object;
  done(release: Release | undefined): void;
}

/** Requests waiting for room, by their request object (see {@link isWaitingForRoom}). */
const waiting = new WeakSet<object>();

/**
 * Whether the request `key` waits for room in a {@link BodyBudget}: its body is not read yet
 * because of the server, not of its sender (a request timeout should not count this time).
 */
export function isWaitingForRoom(key: object): boolean {
  return waiting.has(key);
}

/** At most `limit` bytes of request bodies held at once; requests wait for room in order. */
export class BodyBudget {
  /** The bytes of bodies held at once at most. */
  readonly limit: number;
  #held = 0;
  readonly #queue: Waiter[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /**
   * Takes `bytes` (at most {@link limit}: a body as large as the budget is read alone) for the
   * request `key`: the release at once when there is room and nobody waits before it, else a
   * promise of it (first come, first served), which {@link leave} ends with `undefined`.
   */
  take(bytes: number, key: object): Release | Promise<Release | undefined> {
    const share = Math.min(Math.max(0, bytes), this.limit);
    if (this.#queue.length === 0 && this.#held + share <= this.limit) return this.#grant(share);
    return new Promise((resolve) => {
      waiting.add(key);
      this.#queue.push({ bytes: share, key, done: resolve });
    });
  }

  /** Ends the wait of the request `key` (it went away): its promise resolves `undefined`. */
  leave(key: object): void {
    const i = this.#queue.findIndex((w) => w.key === key);
    if (i === -1) return;
    const [w] = this.#queue.splice(i, 1);
    waiting.delete(key);
    w!.done(undefined);
    this.#next();
  }

  #grant(share: number): Release {
    this.#held += share;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#held -= share;
      this.#next();
    };
  }

  /** Grants waiting requests in order while the first of them fits. */
  #next(): void {
    while (this.#queue.length > 0 && this.#held + this.#queue[0]!.bytes <= this.limit) {
      const w = this.#queue.shift()!;
      waiting.delete(w.key);
      w.done(this.#grant(w.bytes));
    }
  }
}

/** A body's share of the budget: its declared length, else (chunked) the body limit. */
export function declaredBytes(contentLength: string | null | undefined, maxBody: number): number {
  const n = contentLength == null || contentLength === "" ? NaN : Number(contentLength);
  return Number.isFinite(n) && n >= 0 ? n : maxBody;
}

/** The default budget: the larger of `maxBody` and 4 MiB. */
export function defaultBodyBudget(maxBody: number): number {
  return Math.max(maxBody, 4 * 1024 * 1024);
}
