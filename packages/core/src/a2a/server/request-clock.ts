// The built-in server's request timeout, as node:http's `requestTimeout` enforces it (a request
// whose body has not all arrived within the timeout gets a 408 and its connection is cut, checked
// once a second), except that a request waiting for room in the body budget is not timed: its
// body is unread because of the server, not of its sender, and its clock starts again when it may
// be read. Node's own timeout cannot tell the two apart, so the server sets it to 0 and uses this.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { isWaitingForRoom } from "./body-budget.js";

/** How often requests are checked (node's own check runs on the same period). */
const CHECK_MS = 1_000;

const TIMEOUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/** Times the requests of one server whose bodies are still arriving. */
export class RequestClock {
  readonly #ms: number;
  /** Requests whose body has not all arrived: their response and when their clock started. */
  readonly #open = new Map<IncomingMessage, { res: ServerResponse; at: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** @param ms how long a request's head and body may take to arrive */
  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Times `server`'s requests (call before its request handlers are added). */
  attach(server: Server): void {
    server.on("request", (req: IncomingMessage, res: ServerResponse) => this.#start(req, res));
    server.once("close", () => this.#stop());
  }

  #start(req: IncomingMessage, res: ServerResponse): void {
    if (req.complete) return;
    this.#open.set(req, { res, at: performance.now() });
    res.once("close", () => this.#open.delete(req));
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#check(), CHECK_MS);
      this.#timer.unref?.();
    }
  }

  #check(): void {
    const now = performance.now();
    for (const [req, open] of this.#open) {
      if (req.complete) {
        this.#open.delete(req);
      } else if (isWaitingForRoom(req)) {
        open.at = now;
      } else if (now - open.at >= this.#ms) {
        this.#open.delete(req);
        const socket = req.socket;
        if (socket.writable && !open.res.headersSent) socket.write(TIMEOUT_RESPONSE);
        socket.destroy();
      }
    }
    if (this.#open.size === 0) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
