// Connection budgets. Liveness requests (heartbeats, the pause/removal state check) never wait for
// a connection slot held by another request, however long it is held (a peer call through the
// platform's A2A proxy waits for the peer's whole answer: minutes for an LLM agent), and long-lived
// streams (the SSE event stream, plugin downloads) never take a slot platform requests need.
//
// A pool can make a request wait for a slot only when it has a connection limit (or pipelines
// requests behind others on one connection). So:
// - the SDK's own request pool (clients without a dispatcher) is limited to OWN_CONNECTIONS per
//   origin, so a fleet under load queues its requests instead of opening a socket each (10,000
//   default agents in `bench/`'s fleet held 8,000 request sockets beside their 10,000 event
//   streams, and ran out of file descriptors); liveness gets a process-wide sibling of the same
//   size, so a heartbeat never waits behind the other requests; peer calls through the platform
//   proxy (`held` in http.ts) go through the stream pool, so they never hold every slot;
// - a user's undici `Agent` with a connection limit (or pipelining): liveness gets a sibling
//   `Agent` with the same settings, connection limit included (a fleet on 64 connections needs
//   them for its heartbeats), shared by every client of that `Agent`; its sockets open only when
//   liveness requests overlap other requests (`bench/`'s fleet, 1,000 agents with wake-ups on
//   16 connections: the agents' process held 1,017 sockets before, 1,033 with the sibling);
// - streams always get their own pool without a connection limit (a sibling, or a process-wide
//   one), since an open stream holds its connection for as long as it is open.
// Why a liveness budget rather than moving long requests off the user's pool: it does not depend
// on sorting every call into short and long (a slow platform, a large page, a future long call
// would starve heartbeats again), and the user's connection limit keeps bounding the user's calls.
//
// undici is loaded on the first request, not when the SDK is imported (it is most of what a
// cold `import "@molecule-ai/agent-core"` would cost): the pools are `DeferredAgent`s. Where the
// runtime has no undici (workerd, Next's edge runtime: the edge build, runtime/modules.web.ts) or
// its `undici` cannot dispatch (Bun's built-in stub), a pool is a `FetchAgent` over the runtime's
// `fetch` instead (fetch-agent.ts), chosen by what the runtime has; Node and Deno keep undici.
//
// Proxies (proxy.ts): each pool is keyed by its proxy settings (the environment's, or a client's
// `proxy` option), and a pool with a proxy is a `ProxyRouter`: one direct `Agent` and one undici
// `ProxyAgent` per proxy, each built with the pool's options, so the budgets above hold through a
// proxy too (a request pool behind a proxy still has its own liveness sibling and stream pool).
import type { Agent, Dispatcher } from "undici";
import { loadUndici } from "../runtime/index.js";
import { parseBody, readBodyText } from "./body.js";
import { answerPath, type PathFailure } from "./path-failure.js";
import { MoleculeError, MoleculeTimeoutError, requireSupportedNode } from "./errors.js";
import { FetchAgent, isUsableUndici } from "./fetch-agent.js";
import {
  type ProxyOption,
  proxyFailure,
  ProxyRouter,
  type ProxySettings,
  proxySettings,
} from "./proxy.js";
import { tlsFailure } from "./tls-errors.js";

type AgentOptions = ConstructorParameters<typeof Agent>[0];

/** The runtime's undici; a failure to load it is a setup error, never a network error. */
function undiciModule(): ReturnType<typeof loadUndici> {
  requireSupportedNode();
  try {
    return loadUndici();
  } catch (err) {
    throw new MoleculeError(
      `could not load undici, the SDK's HTTP client on Node (${(err as Error)?.message ?? String(err)}); reinstall @molecule-ai/agent-core's dependencies, or on a serverless or edge runtime make sure the bundler resolves the package's "workerd" / "edge-light" export condition`,
      { code: "module_unavailable", retryable: false, cause: err },
    );
  }
}

/**
 * An undici `Agent` created on its first request. Only `request`, `dispatch` (the methods the SDK
 * calls on its own pools) and `close` are needed; a request after `close` fails as undici's would.
 */
class DeferredAgent {
  readonly #options: AgentOptions;
  readonly #proxy: ProxySettings;
  #agent: Agent | ProxyRouter | FetchAgent | undefined;
  #closed = false;
  /** Closed as soon as its one request is sent: it ends once that request is done. */
  #oneShot = false;

  constructor(options: AgentOptions, proxy: ProxySettings) {
    this.#options = options;
    this.#proxy = proxy;
  }

  get closed(): boolean {
    return this.#closed || (this.#agent?.closed ?? false);
  }

  get destroyed(): boolean {
    return this.#agent?.destroyed ?? false;
  }

  #get(): Agent | ProxyRouter | FetchAgent {
    if (!this.#agent) {
      const undici = undiciModule();
      this.#agent =
        undici === undefined || !isUsableUndici(undici)
          ? new FetchAgent(this.#proxy)
          : this.#proxy.any
            ? new ProxyRouter(undici, this.#options ?? {}, this.#proxy)
            : new undici.Agent(this.#options);
      if (this.#closed) void this.#agent.close();
    }
    return this.#agent;
  }

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    const res = this.#get().request(options) as Promise<Dispatcher.ResponseData>;
    if (this.#oneShot) void this.close().catch(() => undefined); // undici's waits for it
    return res;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const queued = this.#get().dispatch(options, handler);
    if (this.#oneShot) void this.close().catch(() => undefined); // undici's waits for it
    return queued;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#agent?.close();
  }

  /** A one-request pool with `options` (see {@link freshPool}). */
  static oneShot(options: AgentOptions, proxy: ProxySettings): Pool {
    const d = new DeferredAgent(options, proxy);
    d.#oneShot = true;
    return d as unknown as Pool;
  }

  /** A one-request pool with this one's settings and none of its connections. */
  fresh(): Pool {
    return DeferredAgent.oneShot(this.#options, this.#proxy);
  }
}

/** A pool the SDK owns: typed as the undici `Dispatcher` its callers expect (they call `request`). */
type Pool = Pick<DeferredAgent, "closed" | "destroyed" | "close"> & Dispatcher;
const deferredAgent = (options: AgentOptions, proxy: ProxySettings): Pool =>
  new DeferredAgent(options, proxy) as unknown as Pool;

/**
 * Whether `d` is one of the SDK's own pools (this package's copy of undici, so its handler API is
 * known: the buffered hot path can use `dispatch`; any other dispatcher gets `request`).
 */
export function isOwnPool(d: Dispatcher): boolean {
  return d instanceof DeferredAgent;
}

/**
 * Keep-alive settings of the pools the SDK creates: an idle connection is closed after 10 s, and a
 * server's `Keep-Alive: timeout=` hint may shorten that, never lengthen it. A NAT gateway or
 * firewall that forgets an idle flow sends no FIN or RST: the next request written into it waits
 * its whole timeout. 10 s is below any NAT's idle timeout, and an agent's requests are spaced by
 * its heartbeat (30 s) anyway, so a longer keep-alive would save almost no handshakes.
 */
const KEEP_ALIVE = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000 } as const;

/**
 * Connections per origin of the SDK's own request pool and of its liveness sibling: far more than
 * one agent uses at once (its handlers' peer calls, a poll, replies), few enough that a fleet of
 * thousands of agents in one process queues its requests rather than opening a socket each.
 */
export const OWN_CONNECTIONS = 256;
const OWN_POOL = { ...KEEP_ALIVE, connections: OWN_CONNECTIONS } as const;

/** A dispatcher borrowed from a shared, reference-counted pool. */
export interface DispatcherLease {
  readonly dispatcher: Dispatcher;
  /** Returns the lease; the last one out closes the pool. Idempotent. */
  release(): Promise<void>;
}

interface Shared {
  agent: Pool;
  users: number;
}

/** Leases `shared` (creating it with `make` when absent or closed). */
function lease(
  get: () => Shared | undefined,
  set: (s: Shared | undefined) => void,
  make: () => Pool,
): DispatcherLease {
  let s = get();
  if (!s || s.agent.closed || s.agent.destroyed) {
    s = { agent: make(), users: 0 };
    set(s);
  }
  s.users++;
  const held = s;
  let released = false;
  return {
    dispatcher: held.agent,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      if (get() === held) set(undefined);
      await held.agent.close();
    },
  };
}

/** The process-wide pools, per proxy settings (`ProxySettings.key`). */
const requestPools = new Map<string, Shared>();
const livenessPools = new Map<string, Shared>();
const streamPools = new Map<string, Shared>();
const derivedLiveness = new WeakMap<Dispatcher, Shared>();
const derivedStreams = new WeakMap<Dispatcher, Shared>();

/** Leases the process-wide pool of `pools` for `proxy`. */
function leaseOwn(
  pools: Map<string, Shared>,
  proxy: ProxySettings,
  options: AgentOptions,
): DispatcherLease {
  return lease(
    () => pools.get(proxy.key),
    (s) => void (s ? pools.set(proxy.key, s) : pools.delete(proxy.key)),
    () => deferredAgent(options, proxy),
  );
}

/**
 * The process-wide keep-alive pool for platform requests of clients without a dispatcher, through
 * `proxy` (default: the proxy the environment names, if any).
 */
export function leaseRequestPool(proxy: ProxySettings = proxySettings()): DispatcherLease {
  return leaseOwn(requestPools, proxy, OWN_POOL);
}

/**
 * The undici `Agent` options of `d`, when `d` is a plain undici `Agent` (any copy of undici). An
 * `Agent` composed with interceptors (`agent.compose(...)`, a Proxy of the `Agent`) is not: its
 * interceptors cannot be copied to a sibling, which would silently bypass them.
 */
function agentOptions(d: Dispatcher): Record<string, unknown> | undefined {
  if (d.constructor?.name !== "Agent") return undefined;
  if (d.dispatch !== (Object.getPrototypeOf(d) as Dispatcher | null)?.dispatch) return undefined;
  const key = Object.getOwnPropertySymbols(d).find((s) => s.description === "options");
  const opts = key === undefined ? undefined : (d as unknown as Record<symbol, unknown>)[key];
  return opts && typeof opts === "object" ? (opts as Record<string, unknown>) : undefined;
}

/** Leases the sibling of the undici `Agent` `requests` kept in `map`, built from its options. */
function leaseSibling(
  requests: Dispatcher,
  map: WeakMap<Dispatcher, Shared>,
  options: (opts: Record<string, unknown>) => AgentOptions,
): DispatcherLease | undefined {
  const opts = agentOptions(requests);
  if (opts === undefined) return undefined;
  return lease(
    () => map.get(requests),
    (s) => void (s ? map.set(requests, s) : map.delete(requests)),
    // A user's `Agent` is never proxied: it is the user's choice of connection.
    () => deferredAgent(options(opts), proxySettings(false)),
  );
}

/**
 * The dispatcher for liveness requests (heartbeats, state checks) of a client whose requests go
 * through `requests`.
 *
 * - `"shared"`: `requests` never makes a request wait for a slot, so liveness uses it: an undici
 *   `Agent` without a connection limit or pipelining.
 * - a lease of a sibling `Agent` with the same settings, connection limit included, shared by
 *   every client of that `Agent`: for an `Agent` whose slots can all be held, and for the SDK's
 *   own pool (`undefined`: the process-wide liveness pool).
 * - `undefined` (a proxy agent, a mock, an `Agent` with interceptors): no separate budget could be
 *   derived; pass `livenessDispatcher` to the client to give liveness its own.
 */
export function leaseLivenessPool(
  requests: Dispatcher | undefined,
  proxy?: ProxySettings,
): DispatcherLease | "shared" | undefined {
  if (requests === undefined) return leaseOwn(livenessPools, proxy ?? proxySettings(), OWN_POOL);
  const opts = agentOptions(requests);
  if (opts === undefined) return undefined;
  const pipelining = typeof opts.pipelining === "number" ? opts.pipelining : 1;
  if (opts.connections == null && pipelining <= 1) return "shared";
  return leaseSibling(requests, derivedLiveness, (o) => ({ ...o }));
}

/**
 * The dispatcher for long-lived streams of a client whose requests go through `requests`.
 *
 * - `undefined` (the client owns no custom dispatcher): the process-wide stream pool.
 * - an undici `Agent`: a sibling `Agent` with the same settings (TLS, connect, timeouts) and no
 *   connection limit, shared by every client of that `Agent`.
 * - anything else (a proxy agent, a mock): `undefined`, meaning "no separate budget could be
 *   derived"; pass `streamDispatcher` to the client to give streams their own.
 */
export function leaseStreamPool(
  requests: Dispatcher | undefined,
  proxy?: ProxySettings,
): DispatcherLease | undefined {
  if (requests === undefined) return leaseOwn(streamPools, proxy ?? proxySettings(), KEEP_ALIVE);
  return leaseSibling(requests, derivedStreams, (opts) => ({ ...opts, connections: null }));
}

/**
 * A new pool like `d` (its settings, none of its connections), for one request that must not go
 * out on a pooled connection: the retry of a request that timed out, since the pool's other idle
 * connections may be as dead as the one that timed out (a NAT that forgot every flow). For the
 * SDK's own pools and plain undici `Agent`s; `undefined` for other dispatchers (the retry then
 * goes through `d`, whose timed-out connection undici destroyed). It takes one request and closes
 * once that is done (a stream: when it ends), its connection with it.
 */
export function freshPool(d: Dispatcher): Pool | undefined {
  if (d instanceof DeferredAgent) return d.fresh();
  const opts = agentOptions(d);
  // A user's `Agent` is never proxied (see leaseSibling).
  return opts === undefined ? undefined : DeferredAgent.oneShot({ ...opts }, proxySettings(false));
}

// One request on the SDK's own connection path (its request pool, through the proxy the
// environment names): for tools that probe the platform outside a client (the CLI's `doctor`, the
// transcript route's bearer check), so every check takes the path the agent takes.
/** Options of {@link requestPlatformUrl}. */
export interface PlatformUrlRequest {
  /** Default `GET`. */
  method?: "GET" | "POST" | undefined;
  /** Sent as given (the platform's headers are not added: pass `authorization` to send a token). */
  headers?: Record<string, string> | undefined;
  /** A request body (with `method: "POST"`). */
  body?: string | undefined;
  /** Whole request, body included (default 10 000 ms). */
  timeoutMs?: number | undefined;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
  /** As `PlatformClient`'s `proxy` (default: the environment's). */
  proxy?: ProxyOption | undefined;
}

/** Largest body read (a health page, a JSON-RPC answer). */
const MAX_BYTES = 1024 * 1024;

/**
 * Sends one request to `url` (a platform URL) the way `PlatformClient` does (same pool, same
 * proxy) and returns its status, body text and who answered (`path`: the judge's verdict,
 * `answerPath`; `undefined` when the platform did). A failure is a `MoleculeError`: `timeout`,
 * `proxy_refused`, a TLS failure (`tls_untrusted`, `tls_hostname`, ...: tls-errors.ts), or
 * `connection_failed` naming the proxy when one was used.
 */
export async function requestPlatformUrl(
  url: string,
  request: PlatformUrlRequest = {},
): Promise<{ status: number; text: string; path: PathFailure | undefined }> {
  const u = new URL(url);
  const timeoutMs = request.timeoutMs ?? 10_000;
  const lease = leaseRequestPool(proxySettings(request.proxy));
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  try {
    const res = await lease.dispatcher.request({
      origin: u.origin,
      path: `${u.pathname}${u.search}`,
      method: request.method ?? "GET",
      headers: request.headers ?? {},
      body: request.body ?? null,
      signal,
    });
    const text = await readBodyText(res.body, MAX_BYTES, res.headers["content-length"]);
    const { statusCode: status, headers } = res;
    return { status, text, path: answerPath({ status, headers, body: parseBody(text) }) };
  } catch (err) {
    if (request.signal?.aborted) throw request.signal.reason;
    if (timeout.aborted) {
      throw new MoleculeTimeoutError(`${u.origin} did not answer within ${timeoutMs} ms`, {
        timeoutMs,
        cause: err,
      });
    }
    const typed = proxyFailure(err, u.origin) ?? tlsFailure(err, u.origin);
    if (typed) throw typed;
    if (err instanceof MoleculeError) throw err;
    const code = (err as { code?: unknown })?.code;
    throw new MoleculeError(
      `could not reach ${u.origin} (${typeof code === "string" ? code : ((err as Error)?.name ?? "error")})`,
      { code: "connection_failed", retryable: true, cause: err },
    );
  } finally {
    await lease.release();
  }
}
