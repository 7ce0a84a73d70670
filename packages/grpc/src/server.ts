// A standalone gRPC server for an endpoint made by createA2AHandler (beside the HTTP server that
// serves its JSON-RPC and HTTP+JSON bindings): @grpc/grpc-js, the A2A service definition of
// @a2a-js/sdk, insecure credentials on loopback by default.
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { A2AService } from "@a2a-js/sdk/server/grpc";
import { MoleculeOptionError } from "@molecule-ai/agent-core";
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
}

/** A running gRPC server. */
export interface A2AGrpcServer {
  /** `host:port`, as `createA2AHandler`'s `grpcUrl` and gRPC clients take it. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Cancels the calls in flight and stops the server (the handler stays open). */
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
  const max = options.maxMessageBytes ?? 1024 * 1024;
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new MoleculeOptionError(
      "maxMessageBytes",
      `startA2AGrpcServer: maxMessageBytes must be a positive integer (got ${max}).`,
    );
  }
  const service = createA2AGrpcService(options);
  const server = new Server({
    "grpc.max_receive_message_length": max,
    // Streams of tasks: as the HTTP server's keep-alive, a dead peer's connection is found.
    "grpc.keepalive_time_ms": 60_000,
  });
  server.addService(A2AService, service.implementation);
  const host = options.host ?? "127.0.0.1";
  const address = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${address}:${options.port ?? 0}`,
      options.credentials ?? ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  );
  return {
    url: `${address}:${port}`,
    port,
    close: async () => {
      service.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
