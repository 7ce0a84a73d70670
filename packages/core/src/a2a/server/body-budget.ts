// The request bodies an endpoint holds at once, in bytes, and what a body costs while it is held,
// decided here for every server path (node:http, HTTP/2's compatibility API, web fetch, and gRPC
// through it). A body of declared length takes its length before it is read, and waits for room
// with its body unread (in its sender's and the kernel's buffers); one of unknown length (chunked,
// gRPC) takes each chunk as it is read, its read paused while there is no room. A body's bytes are
// given back once its front end has parsed it: the handler holds the parsed message, not the body,
// so a handler that runs for a minute holds nothing here, and how many run at once is not bounded
// by this budget. Nothing is refused: a request waits for room.
//
// The bodies of one connection hold at most `share` (one body's limit, as an HTTP/1.1 connection
// reads one request at a time): a client with many streams on one HTTP/2 connection waits for its
// own room, not for everyone's. The oldest body being read is never held back (bodies read in part
// could otherwise each wait for another's room), so what is held is at most the budget plus one body.

/** Requests waiting for room, by their request object (see {@link isWaitingForRoom}). */
const waiting = new WeakSet<object>();

/**
 * Whether the request `key` waits for room in a {@link BodyBudget}: its body is not read because
 * of the server, not of its sender (a request timeout should not count this time).
 */
export function isWaitingForRoom(key: object): boolean {
  return waiting.has(key);
}

/** What one request's body holds of a {@link BodyBudget}, from its headers to its parse. */
export interface BodyHold {
  /**
   * Takes a body of declared length whole before it is read (nothing for one of unknown length):
   * `true` at once when there is room, else a promise of it, `false` once {@link release}d meanwhile.
   */
  start(): true | Promise<boolean>;
  /** Takes a chunk of `bytes` just read (a body of unknown length; nothing for one of declared length). */
  read(bytes: number): true | Promise<boolean>;
  /** Gives everything back: the body was parsed, refused, or its request went away. Idempotent. */
  release(): void;
}

/** The bodies of one connection. */
interface Connection {
  held: number;
  /** Its holds, oldest first. */
  readonly open: Set<Hold>;
  /** Its holds waiting for room in its share, in the order they asked. */
  readonly queue: Hold[];
}

interface Hold {
  readonly key: object;
  readonly connection: object;
  readonly conn: Connection;
  taken: number;
  released: boolean;
  /** Its wait for room, while it waits, and the queue it waits in. */
  wait?: { bytes: number; done(room: boolean): void; queue: Hold[] };
}

/** At most `limit` bytes of request bodies held at once, `share` of them by one connection. */
export class BodyBudget {
  /** The bytes of bodies held at once at most (the oldest body being read may go past it). */
  readonly limit: number;
  readonly #share: number;
  #held = 0;
  /** Holds not released, oldest first. */
  readonly #open = new Set<Hold>();
  readonly #connections = new Map<object, Connection>();
  /** Holds whose connection has room waiting for room in the budget, in the order they asked. */
  readonly #queue: Hold[] = [];

  constructor(limit: number, share: number) {
    this.limit = limit;
    this.#share = share;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /**
   * The hold of the request `key` on `connection` (its socket, its HTTP/2 session; the request
   * itself when unknown), whose body declares `contentLength` (a header value, if any).
   */
  open(key: object, connection: object, contentLength: string | null | undefined): BodyHold {
    const n = contentLength == null || contentLength === "" ? NaN : Number(contentLength);
    const declared = Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    let conn = this.#connections.get(connection);
    if (conn === undefined) {
      conn = { held: 0, open: new Set(), queue: [] };
      this.#connections.set(connection, conn);
    }
    const hold: Hold = { key, connection, conn, taken: 0, released: false };
    this.#open.add(hold);
    conn.open.add(hold);
    return {
      start: () => (declared === undefined ? true : this.#take(hold, declared)),
      read: (bytes) => (declared === undefined ? this.#take(hold, bytes) : true),
      release: () => this.#release(hold),
    };
  }

  #take(hold: Hold, bytes: number): true | Promise<boolean> {
    if (hold.released) return Promise.resolve(false);
    const oldest = first(this.#open) === hold;
    const fits = this.#queue.length === 0 && this.#held + bytes <= this.limit;
    if (oldest || (fits && this.#shareFits(hold, bytes))) {
      this.#grant(hold, bytes);
      return true;
    }
    return new Promise((done) => {
      waiting.add(hold.key);
      const queue = this.#shareFits(hold, bytes) ? this.#queue : hold.conn.queue;
      hold.wait = { bytes, done, queue };
      queue.push(hold);
    });
  }

  /** Whether `bytes` more of `hold` fit in its connection's share (its oldest always does). */
  #shareFits(hold: Hold, bytes: number): boolean {
    return hold.conn.held + bytes <= this.#share || first(hold.conn.open) === hold;
  }

  #grant(hold: Hold, bytes: number): void {
    hold.taken += bytes;
    hold.conn.held += bytes;
    this.#held += bytes;
  }

  /** Ends the wait of `hold`: granted (`room`), or it went away. */
  #wake(hold: Hold, room: boolean): void {
    const { bytes, done, queue } = hold.wait!;
    queue.splice(queue.indexOf(hold), 1);
    hold.wait = undefined;
    waiting.delete(hold.key);
    if (room) this.#grant(hold, bytes);
    done(room);
  }

  /**
   * Grants what now fits: the oldest body's wait in any case; the waits of `conn` its share now
   * takes join the budget's queue; the budget's queue in order (first come, first served).
   */
  #next(conn: Connection | undefined): void {
    const oldest = first(this.#open);
    if (oldest?.wait !== undefined) this.#wake(oldest, true);
    if (conn !== undefined) {
      // Its oldest first: its share always takes it.
      const head = first(conn.open);
      if (head?.wait?.queue === conn.queue) this.#requeue(head, this.#queue);
      let room = this.#share - conn.held;
      while (conn.queue.length > 0 && conn.queue[0]!.wait!.bytes <= room) {
        room -= conn.queue[0]!.wait!.bytes;
        this.#requeue(conn.queue[0]!, this.#queue);
      }
    }
    while (this.#queue.length > 0) {
      const hold = this.#queue[0]!;
      const { bytes } = hold.wait!;
      if (this.#held + bytes > this.limit) break;
      if (this.#shareFits(hold, bytes)) {
        this.#wake(hold, true);
      } else {
        this.#requeue(hold, hold.conn.queue); // its connection took its room meanwhile
      }
    }
  }

  /** Moves the wait of `hold` to the end of `queue`. */
  #requeue(hold: Hold, queue: Hold[]): void {
    const wait = hold.wait!;
    wait.queue.splice(wait.queue.indexOf(hold), 1);
    wait.queue = queue;
    queue.push(hold);
  }

  #release(hold: Hold): void {
    if (hold.released) return;
    hold.released = true;
    if (hold.wait !== undefined) this.#wake(hold, false);
    this.#held -= hold.taken;
    hold.conn.held -= hold.taken;
    this.#open.delete(hold);
    hold.conn.open.delete(hold);
    if (hold.conn.open.size === 0) this.#connections.delete(hold.connection);
    this.#next(hold.conn);
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const v of set) return v;
  return undefined;
}

/** The default budget: the larger of `maxBody` and 4 MiB. */
export function defaultBodyBudget(maxBody: number): number {
  return Math.max(maxBody, 4 * 1024 * 1024);
}
