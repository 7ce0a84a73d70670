// A standalone node:http server around createA2AHandler.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadNodeHttp, setImmediate } from "../../runtime/index.js";
import { MoleculeError, MoleculeOptionError } from "../../transport/index.js";
import { ConnectionLimit } from "./connection-limit.js";
import { RequestClock } from "./request-clock.js";
import { createA2AHandler } from "./handler.js";
import type { A2AHandler, A2AHandlerOptions } from "./handler-types.js";
import { generatePathSecret } from "./secret.js";

/** Options of {@link startA2AServer}. */
export interface StartA2AServerOptions extends Omit<A2AHandlerOptions, "pathSecret"> {
  /**
   * The secret path segment of the endpoint. Default: a fresh 256-bit secret, so the URL is a
   * capability nobody can guess. `false` serves the endpoint without one (only behind your own auth).
   */
  pathSecret?: string | false;
  /** Interface to bind (default `"127.0.0.1"`; use `"0.0.0.0"` to accept remote callers). */
  host?: string;
  /** Port (default 0: a free port). */
  port?: number;
  /**
   * Host name advertised in `url` and the card (e.g. a public DNS name). Default: `localhost` when
   * `host` is an IPv4 loopback or a wildcard address (the platform refuses IP-literal agent URLs, loopback
   * included), else `host`.
   */
  publicHost?: string;
  /** How long `close()` waits for in-flight responses before cutting connections (default 1000 ms). */
  closeGraceMs?: number;
  /**
   * A client that has not sent all request headers within this many ms gets a 408 and is cut
   * (default 15 000; enforced within 1 s of it).
   */
  headersTimeoutMs?: number;
  /**
   * A client that has not sent its whole request body within this many ms of its headers gets a
   * 408 and is cut (default 30 000; enforced within 1 s of it). A request waiting for room in the
   * body budget (`maxBodyBytesInFlight`) is not timed while it waits.
   */
  requestTimeoutMs?: number;
  /**
   * Open connections at most (default 1024). A new connection past it closes the oldest one that
   * holds no request in flight (one that has sent no complete request head yet first, then the
   * longest-idle keep-alive one); only when every connection is serving a request is the newcomer
   * closed. Idle sockets cannot crowd out requests that arrive whole.
   */
  maxConnections?: number;
  /**
   * How long a keep-alive connection may sit idle between requests (default 95 000 ms). Longer
   * than the idle timeout of the clients that reuse connections (the platform's Go proxy: 90 s;
   * undici: 4 s), so a client never sends on a connection the server is closing at that moment
   * (a `read ECONNRESET` on the client).
   */
  keepAliveTimeoutMs?: number;
  /**
   * Serves requests outside A2A first (e.g. `createTranscriptHandler` from
   * `@molecule-ai/agent-core/org`): resolves `true` when it answered, `false` to hand the request
   * to the A2A handler. A rejection is answered `500`.
   */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

/** Node checks request timeouts on this period (its default, 30 s, made cuts up to 30 s late). */
const TIMEOUT_CHECK_MS = 1_000;

/**
 * The keep-alive idle timeout of the SDK's servers: above Go's `http.DefaultTransport`
 * `IdleConnTimeout` (90 s), which the platform's A2A proxy uses, and undici's 4 s.
 */
const KEEP_ALIVE_TIMEOUT_MS = 95_000;

/**
 * Raises a node:http server's keep-alive idle timeout to at least `ms` (default 95 000), so the
 * platform's proxy, whose pooled connections idle up to 90 s, never sends a request on a
 * connection the server is closing at that moment (`read ECONNRESET` on the proxy, a failed
 * forward). Node's default is 5 s. For a server you mount `handleNode` on (Express, Nest, Fastify's
 * `server`); `startA2AServer` does it itself. Never lowers the timeout.
 *
 * @example
 * const server = app.listen(8080);
 * raiseKeepAliveTimeout(server);
 */
export function raiseKeepAliveTimeout(server: Server, ms: number = KEEP_ALIVE_TIMEOUT_MS): void {
  // Node >= 18 times request headers from the start of each request, not from the end of the
  // previous one: a long keep-alive needs no longer headersTimeout (slow heads are still cut).
  if (server.keepAliveTimeout !== 0 && server.keepAliveTimeout < ms) server.keepAliveTimeout = ms;
}

/** A running push server. */
export interface A2AServer {
  /** The JSON-RPC endpoint URL to register with the platform (includes the secret path). */
  url: string;
  /** The agent card URL (`<url>/.well-known/agent-card.json`). */
  cardUrl: string;
  /** The bound port. */
  port: number;
  /** The handler serving the requests. */
  handler: A2AHandler;
  /** Stops accepting connections, aborts running handlers and closes every socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a node:http server answering A2A JSON-RPC on a capability URL.
 *
 * @example
 * const server = await startA2AServer({ agentCard: { name: "echo" }, onMessage: (m) => "hi" });
 * await client.register({ url: server.url, agentCard }); // ... later: await server.close();
 */
export async function startA2AServer(options: StartA2AServerOptions): Promise<A2AServer> {
  const {
    host = "127.0.0.1",
    port = 0,
    publicHost,
    closeGraceMs = 1000,
    headersTimeoutMs = 15_000,
    requestTimeoutMs = 30_000,
    maxConnections = 1024,
    keepAliveTimeoutMs = KEEP_ALIVE_TIMEOUT_MS,
    extraRoutes,
    ...rest
  } = options;
  const limits = { headersTimeoutMs, requestTimeoutMs, maxConnections, keepAliveTimeoutMs };
  for (const [name, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v < 1)
      throw new MoleculeOptionError(
        name,
        `startA2AServer: ${name} must be a positive integer (got ${v}).`,
      );
  }
  const pathSecret = options.pathSecret ?? generatePathSecret(); // `false`: public, on purpose
  const handlerOptions: A2AHandlerOptions = { ...rest, pathSecret };
  const { createServer } = nodeHttp();
  const server = createServer({
    // Bodies are timed by the RequestClock (a request waiting for room in the body budget is not).
    requestTimeout: 0,
    headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    keepAliveTimeout: keepAliveTimeoutMs,
  });
  new ConnectionLimit(maxConnections).attach(server);
  new RequestClock(requestTimeoutMs).attach(server);
  // Validate the options before binding: throws synchronously on a bad card or secret.
  let handler: A2AHandler;
  let bound: AddressInfo;
  const listening = new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  try {
    if (rest.publicUrl === undefined) {
      await listening;
      bound = server.address() as AddressInfo;
      const advertised = publicHost ?? advertisedHost(host);
      const hostPart = advertised.includes(":") ? `[${advertised}]` : advertised;
      const base = (rest.basePath ?? "/").replace(/\/+$/, "");
      handlerOptions.publicUrl = `http://${hostPart}:${bound.port}${base}`;
      handler = createA2AHandler(handlerOptions);
    } else {
      handler = createA2AHandler(handlerOptions);
      await listening;
      bound = server.address() as AddressInfo;
    }
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  // handleNode never rejects: failures are answered with -32603 (or a dropped connection).
  if (extraRoutes === undefined)
    server.on("request", (req, res) => void handler.handleNode(req, res));
  else
    server.on("request", (req, res) => {
      extraRoutes(req, res).then(
        (answered) => {
          if (!answered) void handler.handleNode(req, res);
        },
        () => {
          if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
          res.end('{"error":"internal error"}');
        },
      );
    });
  const publicBase = handlerOptions.publicUrl!.replace(/\/+$/, "");
  const url = publicBase + (pathSecret === false ? "" : `/${pathSecret}`);
  let closing: Promise<void> | undefined;
  return {
    url: url || "/",
    cardUrl: `${url}/.well-known/agent-card.json`,
    port: bound.port,
    handler,
    close() {
      closing ??= (async () => {
        await handler.close();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => server.closeAllConnections(), closeGraceMs);
          timer.unref();
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
          server.closeIdleConnections();
        });
        // `server.close()` calls back before libuv releases the listening handle (that happens in
        // the loop's close phase): wait for it so nothing is left behind when close() resolves.
        for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      })();
      return closing;
    },
  };
}

/**
 * The host name to advertise for a bind address: `localhost` for loopback and wildcard binds
 * (the real platform rejects every IP literal at register, `127.0.0.1` included, but accepts
 * `localhost`), the bind address itself otherwise.
 */
function advertisedHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, "");
  // Not `::1`: `localhost` may resolve to 127.0.0.1 only (the wildcard `::` also takes IPv4).
  if (h === "0.0.0.0" || h === "::" || /^127\.\d+\.\d+\.\d+$/.test(h)) {
    return "localhost";
  }
  return h;
}

/** Node's http module, or (the edge build) a typed refusal saying what serves a route there. */
function nodeHttp(): ReturnType<typeof loadNodeHttp> {
  try {
    return loadNodeHttp();
  } catch (err) {
    throw new MoleculeError((err as Error).message, {
      code: "module_unavailable",
      retryable: false,
      cause: err,
    });
  }
}
