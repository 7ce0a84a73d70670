// The request bodies an endpoint holds at once, in bytes, and what a body costs while it is held,
// decided here for every server path (node:http, HTTP/2's compatibility API, web fetch, and gRPC
// through it). A body of declared length takes its length before it is read, and waits for room
// with its body unread (in its sender's and the kernel's buffers); one of unknown length (chunked,
// gRPC) takes each chunk as it is read, its read paused while there is no room, never the body
// limit. Once parsed, the handler holds the message, counted as the bytes its body had until the
// answer: a handler of a small message holds little, however long it runs. Nothing is refused: a
// request waits for room, first come first served.
//
// The body read the longest always has room to finish (the others leave it room for the rest of a
// body of unknown length), so bodies read in part never wait for each other; what is held is at
// most the budget (a body larger than the budget is read alone). One connection's bodies hold at
// most one body's limit, as an HTTP/1.1 connection carries one request at a time: a client with
// many streams on one HTTP/2 connection waits for its own room, not for everyone's.

/** Requests waiting for room, by their request object (see {@link isWaitingForRoom}). */
const waiting = new WeakSet<object>();

/**
 * Whether the request `key` waits for room in a {@link BodyBudget}: its body is not read because
 * of the server, not of its sender (a request timeout should not count this time).
 */
export function isWaitingForRoom(key: object): boolean {
  return waiting.has(key);
}

/** The connections web `Request`s came on, where their front end said so. */
const connections = new WeakMap<object, object>();

/**
 * Marks `request` (a web `Request` for `handleFetch`) as one of `connection`'s: any object that
 * stands for the connection it came on, the same for all of them (a socket, an HTTP/2 session).
 * The requests of one connection hold at most `maxBodyBytes` of the endpoint's body budget, so a
 * client with many calls on one connection waits for its own room, not for everyone's; unmarked,
 * each request counts as a connection of its own. Returns `request`.
 *
 * @example
 * const answer = await handler.handleFetch(requestOnConnection(request, session));
 */
export function requestOnConnection<T extends object>(request: T, connection: object): T {
  connections.set(request, connection);
  return request;
}

/** The connection `request` came on, as {@link requestOnConnection} marked it; else itself. */
export function connectionOfRequest(request: object): object {
  return connections.get(request) ?? request;
}

/** What one request's body holds of a {@link BodyBudget}, from its headers to its answer. */
export interface BodyHold {
  /**
   * Takes a body of declared length whole before it is read (nothing for one of unknown length):
   * `true` at once when there is room, else a promise of it, `false` once {@link release}d meanwhile.
   */
  start(): true | Promise<boolean>;
  /** Takes a chunk of `bytes` just read (a body of unknown length; nothing for one of declared length). */
  read(bytes: number): true | Promise<boolean>;
  /** The body was read and parsed: its handler holds the message (its bytes stay taken). */
  parsed(): void;
  /** Gives everything back: the request was answered, refused, or went away. Idempotent. */
  release(): void;
}

/** The bodies of one connection. */
interface Connection {
  /** Bytes its requests hold. */
  held: number;
  /** Bytes of them its bodies being read hold. */
  reading: number;
  /** Its bodies being read, oldest first. */
  readonly open: Set<Hold>;
  /** Its requests waiting for room in its share, in the order they asked. */
  readonly queue: Hold[];
}

interface Hold {
  readonly key: object;
  readonly connection: object;
  readonly conn: Connection;
  /** Its body's length was declared (and taken whole). */
  readonly declared: boolean;
  taken: number;
  /** Being read or waiting to be (in `open`), parsed, or released. */
  state: "reading" | "parsed" | "released";
  /** Its wait for room, while it waits, and the queue it waits in. */
  wait?: { bytes: number; done(room: boolean): void; queue: Hold[] };
}

/** At most `limit` bytes of request bodies held at once, one body's limit of them by one connection. */
export class BodyBudget {
  /** The bytes of bodies held at once at most. */
  readonly limit: number;
  /** One body's limit: a connection's share, and the room left for the body read the longest. */
  readonly #body: number;
  #held = 0;
  /** Bodies being read, oldest first. */
  readonly #open = new Set<Hold>();
  readonly #connections = new Map<object, Connection>();
  /** Requests whose connection has room, waiting for room in the budget, in the order they asked. */
  readonly #queue: Hold[] = [];

  constructor(limit: number, maxBody: number) {
    this.limit = limit;
    this.#body = maxBody;
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
    const length = Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    let conn = this.#connections.get(connection);
    if (conn === undefined) {
      conn = { held: 0, reading: 0, open: new Set(), queue: [] };
      this.#connections.set(connection, conn);
    }
    const declared = length !== undefined;
    const hold: Hold = { key, connection, conn, declared, taken: 0, state: "reading" };
    this.#open.add(hold);
    conn.open.add(hold);
    return {
      start: () => (length === undefined ? true : this.#take(hold, length)),
      read: (bytes) => (declared ? true : this.#take(hold, bytes)),
      parsed: () => this.#parsed(hold),
      release: () => this.#release(hold),
    };
  }

  #take(hold: Hold, bytes: number): true | Promise<boolean> {
    if (hold.state === "released") return Promise.resolve(false);
    const share = this.#shareFits(hold, bytes);
    if (share && this.#budgetFits(hold, bytes, this.#queue.length > 0)) {
      this.#grant(hold, bytes);
      return true;
    }
    return new Promise((done) => {
      waiting.add(hold.key);
      const queue = share ? this.#queue : hold.conn.queue;
      hold.wait = { bytes, done, queue };
      queue.push(hold);
    });
  }

  /**
   * Whether the budget takes `bytes` more of `hold`: the body read the longest when they fit (or
   * it is all that is held), another beside the room that body may still need, and behind the
   * requests waiting before it (`behind`).
   */
  #budgetFits(hold: Hold, bytes: number, behind: boolean): boolean {
    const oldest = first(this.#open);
    if (oldest === hold) return this.#held + bytes <= this.limit || this.#held === hold.taken;
    if (behind) return false;
    const rest = oldest === undefined || oldest.declared ? 0 : this.#body - oldest.taken;
    return this.#held + bytes + Math.max(0, rest) <= this.limit;
  }

  /**
   * Whether its connection's share takes `bytes` more of `hold` (its body read the longest counts
   * none of its other bodies being read, so those never wait for each other).
   */
  #shareFits(hold: Hold, bytes: number): boolean {
    const { conn } = hold;
    const others = first(conn.open) === hold ? conn.reading - hold.taken : 0;
    return conn.held - others + bytes <= this.#body;
  }

  #grant(hold: Hold, bytes: number): void {
    hold.taken += bytes;
    hold.conn.held += bytes;
    hold.conn.reading += bytes;
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

  /** Moves the wait of `hold` to the end of `queue`. */
  #requeue(hold: Hold, queue: Hold[]): void {
    const wait = hold.wait!;
    wait.queue.splice(wait.queue.indexOf(hold), 1);
    wait.queue = queue;
    queue.push(hold);
  }

  /**
   * Grants what fits now that `conn` (or the budget) has room: the body read the longest first; the
   * waits of `conn` its share now takes join the budget's queue; that queue in order.
   */
  #next(conn: Connection): void {
    const oldest = first(this.#open);
    const wait = oldest?.wait;
    if (wait !== undefined && this.#shareFits(oldest!, wait.bytes)) {
      if (this.#budgetFits(oldest!, wait.bytes, false)) this.#wake(oldest!, true);
      else if (wait.queue !== this.#queue) this.#requeue(oldest!, this.#queue);
    }
    const head = first(conn.open);
    if (head?.wait?.queue === conn.queue && this.#shareFits(head, head.wait.bytes)) {
      this.#requeue(head, this.#queue);
    }
    let room = this.#body - conn.held;
    while (conn.queue.length > 0 && conn.queue[0]!.wait!.bytes <= room) {
      room -= conn.queue[0]!.wait!.bytes;
      this.#requeue(conn.queue[0]!, this.#queue);
    }
    while (this.#queue.length > 0) {
      const hold = this.#queue[0]!;
      const { bytes } = hold.wait!;
      if (!this.#shareFits(hold, bytes)) {
        this.#requeue(hold, hold.conn.queue); // its connection took its room meanwhile
      } else if (this.#budgetFits(hold, bytes, false)) {
        this.#wake(hold, true);
      } else {
        break;
      }
    }
  }

  #parsed(hold: Hold): void {
    if (hold.state !== "reading") return;
    hold.state = "parsed";
    this.#closeRead(hold);
  }

  #release(hold: Hold): void {
    if (hold.state === "released") return;
    if (hold.wait !== undefined) this.#wake(hold, false);
    const reading = hold.state === "reading";
    hold.state = "released";
    this.#held -= hold.taken;
    hold.conn.held -= hold.taken;
    if (reading) {
      this.#closeRead(hold);
    } else {
      this.#next(hold.conn);
      this.#forget(hold);
    }
  }

  /** `hold` is no longer read: what it holds is its message's, and the next body is the oldest. */
  #closeRead(hold: Hold): void {
    const { conn } = hold;
    conn.reading -= hold.taken;
    this.#open.delete(hold);
    conn.open.delete(hold);
    this.#next(conn);
    this.#forget(hold);
  }

  /** Forgets the connection of `hold` once it holds nothing and reads nothing. */
  #forget(hold: Hold): void {
    const { conn } = hold;
    if (conn.open.size === 0 && conn.held === 0) this.#connections.delete(hold.connection);
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
