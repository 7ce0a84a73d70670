// What keeps the MCP HTTP server cheap to refuse: a refused request's body is never read (the
// connection closes after the answer), and a bound on open connections that closes the oldest one
// holding no request, so idle or half-sent connections cannot crowd out requests that arrive whole.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Open connections at most; MCP clients are few and local (32 sessions, one stream each). */
const MAX_CONNECTIONS = 256;
/** A client must send its request head within this (ms), its whole request within the next. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often node:http checks those timeouts (its default, 30 s, cut them up to 30 s late). */
export const TIMEOUT_CHECK_MS = 1_000;

/**
 * Closes the connection once the answer to `req` is sent, when its body was not read to the end:
 * node:http would otherwise read (and discard) the whole body to keep the connection alive. Call
 * before the head is written; a request read whole keeps its connection.
 */
export function closeUnread(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || res.headersSent) return;
  res.setHeader("connection", "close");
  res.once("finish", () => req.socket.destroy());
}

/** The bound on a node:http server's open connections (see {@link MAX_CONNECTIONS}). */
export class ConnectionBound {
  readonly #max: number;
  /** Requests in flight per open connection. */
  readonly #open = new Map<Socket, number>();
  /** Connections without a request in flight, oldest first (never-used ones are evicted first). */
  readonly #fresh = new Set<Socket>();
  readonly #idle = new Set<Socket>();

  constructor(max: number = MAX_CONNECTIONS) {
    this.#max = max;
  }

  /** Watches `server`'s connections and requests (before it listens). */
  attach(server: Server): void {
    server.on("connection", (socket: Socket) => this.#admit(socket));
    server.on("request", (req: IncomingMessage, res: ServerResponse) => this.#start(req, res));
  }

  #admit(socket: Socket): void {
    if (this.#open.size >= this.#max && !this.#evict()) {
      socket.destroy(); // every connection serves a request: the newcomer waits for none
      return;
    }
    this.#open.set(socket, 0);
    this.#fresh.add(socket);
    socket.once("close", () => this.#forget(socket));
  }

  #forget(socket: Socket): void {
    this.#open.delete(socket);
    this.#fresh.delete(socket);
    this.#idle.delete(socket);
  }

  /** Closes the oldest connection without a request in flight; false when there is none. */
  #evict(): boolean {
    const victim = first(this.#fresh) ?? first(this.#idle);
    if (victim === undefined) return false;
    this.#forget(victim);
    victim.destroy();
    return true;
  }

  #start(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const count = this.#open.get(socket);
    if (count === undefined) return; // evicted or closed meanwhile
    this.#open.set(socket, count + 1);
    this.#fresh.delete(socket);
    this.#idle.delete(socket);
    res.once("close", () => {
      const left = this.#open.get(socket);
      if (left === undefined) return;
      this.#open.set(socket, left - 1);
      if (left === 1 && !socket.destroyed) this.#idle.add(socket);
    });
  }
}

function first(set: Set<Socket>): Socket | undefined {
  for (const s of set) return s;
  return undefined;
}
