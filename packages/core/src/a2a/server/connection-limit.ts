// The push server's bound on open connections. A connection that holds no request in flight
// (one that has sent no complete request head yet, or a keep-alive connection between requests)
// is closed to make room for a new one, oldest first: idle sockets cannot crowd out requests that
// arrive whole, and memory and file descriptors stay bounded by the cap.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Tracks a node:http server's connections and enforces `max` on them. */
export class ConnectionLimit {
  readonly #max: number;
  /** Requests in flight per open connection. */
  readonly #inFlight = new Map<Socket, number>();
  /** Connections that have not sent a complete request head yet, oldest first. */
  readonly #fresh = new Set<Socket>();
  /** Keep-alive connections between requests, longest idle first. */
  readonly #idle = new Set<Socket>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Watches `server`'s connections and requests (call before it listens). */
  attach(server: Server): void {
    server.on("connection", (socket: Socket) => this.#admit(socket));
    server.on("request", (req: IncomingMessage, res: ServerResponse) => this.#start(req, res));
  }

  #admit(socket: Socket): void {
    if (this.#inFlight.size >= this.#max && !this.#evict()) {
      socket.destroy(); // every connection is serving a request: refuse the newcomer
      return;
    }
    this.#inFlight.set(socket, 0);
    this.#fresh.add(socket);
    socket.once("close", () => {
      this.#inFlight.delete(socket);
      this.#fresh.delete(socket);
      this.#idle.delete(socket);
    });
  }

  /** Closes the oldest connection without a request in flight; false when there is none. */
  #evict(): boolean {
    // Connections that never sent a request go first: a pooled client's idle connection is reused
    // without warning, so closing it risks a reset on the client's next request.
    const victim = first(this.#fresh) ?? first(this.#idle);
    if (victim === undefined) return false;
    this.#inFlight.delete(victim);
    this.#fresh.delete(victim);
    this.#idle.delete(victim);
    victim.destroy();
    return true;
  }

  #start(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const count = this.#inFlight.get(socket);
    if (count === undefined) return; // evicted or closed meanwhile
    this.#inFlight.set(socket, count + 1);
    this.#fresh.delete(socket);
    this.#idle.delete(socket);
    res.once("close", () => {
      const left = this.#inFlight.get(socket);
      if (left === undefined) return;
      this.#inFlight.set(socket, left - 1);
      if (left === 1 && !socket.destroyed) this.#idle.add(socket);
    });
  }
}

function first(set: Set<Socket>): Socket | undefined {
  for (const s of set) return s;
  return undefined;
}
