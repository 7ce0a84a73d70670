// A standalone gRPC server for an endpoint made by createA2AHandler (beside the HTTP server that
// serves its JSON-RPC and HTTP+JSON bindings): @grpc/grpc-js, the A2A service definition of
// @a2a-js/sdk, insecure credentials on loopback by default, and the HTTP server's bounds
// (limits.ts): a node:net server takes each connection, admits it under the connection cap, and
// hands it to grpc-js; an interceptor bounds each call.
import { createServer, type Server as NetServer } from "node:net";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { A2AService } from "@a2a-js/sdk/server/grpc";
import { MoleculeOptionError } from "@molecule-ai/agent-core";
import {
  CallGate,
  ConnectionCap,
  MAX_CONCURRENT_CALLS,
  MAX_CONNECTIONS,
  MAX_STREAMS_PER_CONNECTION,
  REQUEST_TIMEOUT_MS,
} from "./limits.js";
import { createA2AGrpcService, type A2AGrpcServiceOptions } from "./service.js";
/** Options of {@link startA2AGrpcServer}. */
export interface StartA2AGrpcServerOptions extends A2AGrpcServiceOptions {
  /** Interface to bind (default `"127.0.0.1"`; `"0.0.0.0"` accepts remote callers). */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /** TLS (`grpc.ServerCredentials.createSsl(...)`); default: none (plaintext HTTP/2). */
  credentials?: ServerCredentials;
  /**
   * Largest request message in bytes (default 1 MiB, as the handler's `maxBodyBytes`); a larger
   * one is refused with `RESOURCE_EXHAUSTED` before it is decoded. The handler's own body limit
   * applies too, to the request as proto-JSON.
   */
  maxMessageBytes?: number;
  /**
   * A call that has not sent its whole request message within this many ms of its headers ends
   * with `DEADLINE_EXCEEDED` and runs nothing (default 30 000, as `startA2AServer`'s
   * `requestTimeoutMs`, whose HTTP answer is a 408).
   */
  requestTimeoutMs?: number;
  /**
   * Open connections at most (default 1024, as `startA2AServer`'s). A new connection past it
   * closes the oldest one without a call in flight (one that never started a call first, then
   * the longest idle); only when every connection is serving a call is the newcomer closed.
   */
  maxConnections?: number;
  /**
   * Calls at once on one connection (default 100), sent to clients as HTTP/2
   * SETTINGS_MAX_CONCURRENT_STREAMS: a client queues more, and a stream past it is refused.
   */
  maxStreamsPerConnection?: number;
  /**
   * Calls at once on the whole server (default 1024, the calls `startA2AServer`'s connections
   * carry); more are refused with `RESOURCE_EXHAUSTED` (`molecule-error-code: server_busy`,
   * `molecule-retryable: true`).
   */
  maxConcurrentCalls?: number;
}

/** A running gRPC server. */
export interface A2AGrpcServer {
  /** `host:port`, as `createA2AHandler`'s `grpcUrl` and gRPC clients take it. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /**
   * Stops taking connections, aborts every call's request (a blocking send's handler `signal`),
   * ends every call (`UNAVAILABLE`) and closes every connection; resolves when all of that is
   * done. The handler stays open, with the tasks it runs (closing it aborts them). Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Serves the A2A gRPC binding of `handler` on `host:port`.
 *
 * @example
 * const pathSecret = generatePathSecret();
 * const a2a = createA2AHandler({ agentCard, pathSecret, grpcUrl: "agent.example.com:50051", onMessage });
 * const grpc = await startA2AGrpcServer({ handler: a2a, pathSecret, host: "0.0.0.0", port: 50051 });
 */
export async function startA2AGrpcServer(
  options: StartA2AGrpcServerOptions,
): Promise<A2AGrpcServer> {
  const limits = {
    maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    maxConnections: options.maxConnections ?? MAX_CONNECTIONS,
    maxStreamsPerConnection: options.maxStreamsPerConnection ?? MAX_STREAMS_PER_CONNECTION,
    maxConcurrentCalls: options.maxConcurrentCalls ?? MAX_CONCURRENT_CALLS,
  };
  for (const [name, v] of Object.entries(limits)) {
    // Above 2^31 - 1 Node's timers fire at once and HTTP/2 settings overflow.
    if (!Number.isSafeInteger(v) || v <= 0 || v > 2 ** 31 - 1) {
      throw new MoleculeOptionError(
        name,
        `startA2AGrpcServer: ${name} must be a positive integer (got ${v}).`,
      );
    }
  }
  const service = createA2AGrpcService(options);
  const connections = new ConnectionCap(limits.maxConnections);
  const calls = new CallGate({ ...limits, connections });
  const server = new Server({
    "grpc.max_receive_message_length": limits.maxMessageBytes,
    "grpc.max_concurrent_streams": limits.maxStreamsPerConnection,
    // Streams of tasks: as the HTTP server's keep-alive, a dead peer's connection is found.
    "grpc.keepalive_time_ms": 60_000,
    interceptors: [calls.interceptor],
  });
  server.addService(A2AService, service.implementation);
  const injector = server.createConnectionInjector(
    options.credentials ?? ServerCredentials.createInsecure(),
  );
  const listener = createServer((socket) => {
    if (connections.admit(socket)) injector.injectConnection(socket);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port ?? 0, host, () => {
      listener.off("error", reject);
      // An accept that fails (EMFILE, a reset before accept) loses that one connection only.
      listener.on("error", () => undefined);
      resolve();
    });
  });
  const address = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const port = portOf(listener);
  let closing: Promise<void> | undefined;
  return {
    url: `${address}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const unbound = new Promise<void>((resolve) => listener.close(() => resolve()));
        calls.close(); // new calls on open connections: UNAVAILABLE
        await service.close(); // every handler's signal aborted, every call answered
        server.forceShutdown(); // sessions and streams still open: cancelled
        await connections.closeAll();
        await unbound;
      })();
      return closing;
    },
  };
}

function portOf(listener: NetServer): number {
  const bound = listener.address();
  return typeof bound === "object" && bound !== null ? bound.port : 0;
}
