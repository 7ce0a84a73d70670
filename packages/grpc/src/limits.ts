// The gRPC server's bounds: the ones startA2AServer (@molecule-ai/agent-core/a2a) keeps on HTTP,
// carried over to HTTP/2. A request must arrive whole within 30 s (there: `requestTimeoutMs`, a
// 408); at most 1,024 connections are open, and a new one past that closes the oldest one without
// a call in flight (there: `maxConnections`, connection-limit.ts); one connection carries at most
// 100 calls at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; over HTTP/1.1 a connection carries
// one request), and the server at most 1,024 (over HTTP, one per connection).
import type { Socket } from "node:net";
import {
  Metadata,
  ServerInterceptingCall,
  status as Status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { MOLECULE_ERROR_CODE, MOLECULE_RETRYABLE } from "./errors.js";

/** How long a call may take to send its whole request message (startA2AServer's `requestTimeoutMs`). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Open connections at most (startA2AServer's `maxConnections`). */
export const MAX_CONNECTIONS = 1024;
/** Calls at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; RFC 9113's floor). */
export const MAX_STREAMS_PER_CONNECTION = 100;
/** Calls at once on the whole server (as many as startA2AServer's connections serve). */
export const MAX_CONCURRENT_CALLS = 1024;
/** How long a connection to be closed gets to receive what was written to it (as HTTP's linger). */
const LINGER_MS = 1_000;

/** One open connection. */
interface Connection {
  /** `address|port` of its remote end. */
  readonly peer: string;
  /** Calls in flight on it. */
  calls: number;
  /** To be closed once it carries no call: a call on it was cut or refused. */
  cut: boolean;
  /** Closes it, once a cut connection carries no call (cleared when a call starts meanwhile). */
  linger?: ReturnType<typeof setTimeout>;
}

/**
 * The server's connections, with `max` enforced on them: a connection past it closes the oldest
 * one without a call in flight (one that never started a call first, then the longest idle), as
 * core's `ConnectionLimit` does for HTTP; only when every connection is serving a call is the
 * newcomer closed. Calls are matched to their connection by its remote address and port.
 */
export class ConnectionCap {
  readonly #max: number;
  /** Open connections. */
  readonly #open = new Map<Socket, Connection>();
  /** Open connections by `address|port`. */
  readonly #byPeer = new Map<string, Socket>();
  /** Connections that have not started a call yet, oldest first. */
  readonly #fresh = new Set<Socket>();
  /** Connections between calls, longest idle first. */
  readonly #idle = new Set<Socket>();
  /** Each admitted socket's `close`, for {@link closeAll}. */
  readonly #closed = new Map<Socket, Promise<void>>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Takes a new connection: false (and the socket destroyed) when it cannot be served. */
  admit(socket: Socket): boolean {
    // A reset before HTTP/2 takes the socket (or after an eviction) has no one to report to.
    socket.on("error", () => undefined);
    const peer = peerKey(socket.remoteAddress, socket.remotePort);
    if (peer === undefined || (this.#open.size >= this.#max && !this.#evict())) {
      socket.destroy(); // gone already, or every connection is serving a call
      return false;
    }
    this.#open.set(socket, { peer, calls: 0, cut: false });
    this.#byPeer.set(peer, socket);
    this.#fresh.add(socket);
    this.#closed.set(
      socket,
      new Promise<void>((resolve) =>
        socket.once("close", () => {
          this.#forget(socket);
          this.#closed.delete(socket);
          resolve();
        }),
      ),
    );
    return true;
  }

  /**
   * Marks a call started on the connection of `address:port`; returns what marks it ended. A call
   * ended with `cut` (cut by the deadline, or refused) closes its connection once that carries no
   * call, 1 s after its status unless a call starts meanwhile (as the HTTP server closes the
   * connection of a request it cut or refused): a client may leave such a stream open, and only
   * closing its connection closes it.
   */
  start(address: string | undefined, port: number | undefined): (cut?: boolean) => void {
    const peer = peerKey(address, port);
    const socket = peer === undefined ? undefined : this.#byPeer.get(peer);
    const conn = socket === undefined ? undefined : this.#open.get(socket);
    if (socket === undefined || conn === undefined) return () => undefined;
    conn.calls++;
    clearTimeout(conn.linger);
    this.#fresh.delete(socket);
    this.#idle.delete(socket);
    return (cut = false) => {
      if (this.#open.get(socket) !== conn) return; // closed meanwhile
      conn.cut ||= cut;
      if (--conn.calls > 0 || socket.destroyed) return;
      this.#idle.add(socket);
      // Its last call's status is on its way: the socket goes once that is sent.
      if (conn.cut) conn.linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
  }

  /** Destroys every connection; resolves when each has closed. */
  async closeAll(): Promise<void> {
    const closed = [...this.#closed.values()];
    for (const socket of this.#closed.keys()) socket.destroy();
    await Promise.all(closed);
  }

  /** Closes the oldest connection without a call in flight; false when there is none. */
  #evict(): boolean {
    // Connections that never started a call go first: a client's idle connection is reused
    // without warning, so closing it risks failing the client's next call.
    const victim = first(this.#fresh) ?? first(this.#idle);
    if (victim === undefined) return false;
    this.#forget(victim);
    victim.destroy();
    return true;
  }

  #forget(socket: Socket): void {
    const conn = this.#open.get(socket);
    if (conn === undefined) return;
    clearTimeout(conn.linger);
    this.#open.delete(socket);
    this.#fresh.delete(socket);
    this.#idle.delete(socket);
    if (this.#byPeer.get(conn.peer) === socket) this.#byPeer.delete(conn.peer);
  }
}

/** Options of {@link CallGate}. */
export interface CallGateOptions {
  /** Calls at once on the whole server. */
  maxConcurrentCalls: number;
  /** How long a call may take to send its whole request message. */
  requestTimeoutMs: number;
  /** The connections, told when a call starts and ends on one. */
  connections: ConnectionCap;
}

/**
 * A server interceptor that bounds every call from the moment its headers arrive: at most
 * `maxConcurrentCalls` at once (more are refused with `RESOURCE_EXHAUSTED`, worth retrying, and
 * their connection is closed once it carries no call); each must send its whole request message
 * within `requestTimeoutMs` (else it ends with `DEADLINE_EXCEEDED`, its handler never runs, and its
 * connection is closed once it carries no call); each marks its connection busy while it is in
 * flight, so the connection cap evicts only idle connections.
 */
export class CallGate {
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #connections: ConnectionCap;
  /** Calls in flight. */
  readonly #calls = new Set<ServerInterceptingCallInterface>();
  #closing = false;

  constructor(options: CallGateOptions) {
    this.#max = options.maxConcurrentCalls;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#connections = options.connections;
  }

  /** Refuses every new call from now on (`UNAVAILABLE`): the server is closing. */
  close(): void {
    this.#closing = true;
  }

  /** Pass in the `grpc.Server`'s `interceptors`. */
  readonly interceptor: ServerInterceptor = (_method, call) => {
    const info = call.getConnectionInfo();
    if (this.#closing || this.#calls.size >= this.#max) {
      // A refused stream its client does not close would stay open (grpc-js cannot reset it):
      // its connection goes once it carries no call.
      if (!this.#closing) this.#connections.start(info.remoteAddress, info.remotePort)(true);
      return new ServerInterceptingCall(call, { start: () => call.sendStatus(this.#refusal()) });
    }
    const ended = this.#connections.start(info.remoteAddress, info.remotePort);
    let late = false;
    const deadline = setTimeout(() => {
      late = true;
      call.sendStatus({
        code: Status.DEADLINE_EXCEEDED,
        details: `The request message did not arrive whole within ${this.#timeoutMs} ms: send it at once, or over a faster link`,
        metadata: new Metadata(),
      });
    }, this.#timeoutMs);
    deadline.unref();
    const end = (): void => {
      if (!this.#calls.delete(call)) return;
      clearTimeout(deadline);
      ended(late);
    };
    this.#calls.add(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveHalfClose: (nextHalfClose) => {
            clearTimeout(deadline); // the whole message arrived: the handler may take its time
            nextHalfClose();
          },
          // Every call ends here: its status sent, or its stream closed by either side.
          onCancel: end,
        }),
    });
  };

  #refusal() {
    if (this.#closing) {
      return {
        code: Status.UNAVAILABLE,
        details: "The server is closing: retry the call on another instance or later",
        metadata: new Metadata(),
      };
    }
    const metadata = new Metadata();
    metadata.set(MOLECULE_ERROR_CODE, "server_busy");
    metadata.set(MOLECULE_RETRYABLE, "true");
    return {
      code: Status.RESOURCE_EXHAUSTED,
      details: `The server is running ${this.#max} calls already: retry in a moment`,
      metadata,
    };
  }
}

/** `address|port` of a connection's remote end; undefined when unknown (the socket is gone). */
function peerKey(address: string | undefined, port: number | undefined): string | undefined {
  return address === undefined || port === undefined ? undefined : `${address}|${port}`;
}

function first(set: Set<Socket>): Socket | undefined {
  for (const s of set) return s;
  return undefined;
}
