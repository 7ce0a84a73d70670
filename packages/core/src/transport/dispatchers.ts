// Connection budgets. Platform requests (heartbeats first) and long-lived streams (the SSE event
// stream, plugin downloads) never share connection slots: a stream holds its connection for as
// long as it is open, so on a pool limited to N connections N streams would starve every
// heartbeat. Clients that bring no dispatcher share one process-wide pool for requests and
// another for streams, so a fleet of agents in one process opens few sockets.
//
// undici is loaded on the first request, not when the SDK is imported (it is most of what a
// cold `import "@molecule-ai/agent-core"` would cost): the pools are `DeferredAgent`s.
import { createRequire } from "node:module";
import type * as Undici from "undici";
import type { Agent, Dispatcher } from "undici";

type AgentOptions = ConstructorParameters<typeof Agent>[0];
let undici: typeof Undici | undefined;
const loadUndici = () => (undici ??= createRequire(import.meta.url)("undici") as typeof Undici);

/**
 * An undici `Agent` created on its first request. Only `request`, `dispatch` (the methods the SDK
 * calls on its own pools) and `close` are needed; a request after `close` fails as undici's would.
 */
class DeferredAgent {
  readonly #options: AgentOptions;
  #agent: Agent | undefined;
  #closed = false;

  constructor(options: AgentOptions) {
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed || (this.#agent?.closed ?? false);
  }

  get destroyed(): boolean {
    return this.#agent?.destroyed ?? false;
  }

  #get(): Agent {
    if (!this.#agent) {
      this.#agent = new (loadUndici().Agent)(this.#options);
      if (this.#closed) void this.#agent.close();
    }
    return this.#agent;
  }

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    return this.#get().request(options);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#get().dispatch(options, handler);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#agent?.close();
  }
}

/** A pool the SDK owns: typed as the undici `Dispatcher` its callers expect (they call `request`). */
type Pool = Pick<DeferredAgent, "closed" | "destroyed" | "close"> & Dispatcher;
const deferredAgent = (options: AgentOptions): Pool =>
  new DeferredAgent(options) as unknown as Pool;

/**
 * Whether `d` is one of the SDK's own pools (this package's copy of undici, so its handler API is
 * known: the buffered hot path can use `dispatch`; any other dispatcher gets `request`).
 */
export function isOwnPool(d: Dispatcher): boolean {
  return d instanceof DeferredAgent;
}

/** Keep-alive settings of the pools the SDK creates. */
const KEEP_ALIVE = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 } as const;

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

let requestPool: Shared | undefined;
let streamPool: Shared | undefined;
const derived = new WeakMap<Dispatcher, Shared>();

/** The process-wide keep-alive pool for platform requests of clients without a dispatcher. */
export function leaseRequestPool(): DispatcherLease {
  return lease(
    () => requestPool,
    (s) => void (requestPool = s),
    () => deferredAgent(KEEP_ALIVE),
  );
}

/** The undici `Agent` options of `d`, when `d` is an undici `Agent` (any copy of undici). */
function agentOptions(d: Dispatcher): Record<string, unknown> | undefined {
  if (d.constructor?.name !== "Agent") return undefined;
  const key = Object.getOwnPropertySymbols(d).find((s) => s.description === "options");
  const opts = key === undefined ? undefined : (d as unknown as Record<symbol, unknown>)[key];
  return opts && typeof opts === "object" ? (opts as Record<string, unknown>) : undefined;
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
export function leaseStreamPool(requests: Dispatcher | undefined): DispatcherLease | undefined {
  if (requests === undefined) {
    return lease(
      () => streamPool,
      (s) => void (streamPool = s),
      () => deferredAgent(KEEP_ALIVE),
    );
  }
  const opts = agentOptions(requests);
  if (opts === undefined) return undefined;
  return lease(
    () => derived.get(requests),
    (s) => void (s ? derived.set(requests, s) : derived.delete(requests)),
    () => deferredAgent({ ...opts, connections: null }),
  );
}
