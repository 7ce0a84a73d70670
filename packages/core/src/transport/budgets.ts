// The three dispatchers of one transport (platform requests, liveness, long-lived streams), from
// the options: given ones are used as they are, the others derived (see dispatchers.ts).
import type { Dispatcher } from "undici";
import {
  type DispatcherLease,
  leaseLivenessPool,
  leaseRequestPool,
  leaseStreamPool,
} from "./dispatchers.js";
import type { Logger } from "./logger.js";
import { type ProxyOption, proxySettings } from "./proxy.js";

/** The dispatcher options of a transport. */
export interface BudgetOptions {
  dispatcher?: Dispatcher | undefined;
  livenessDispatcher?: Dispatcher | undefined;
  streamDispatcher?: Dispatcher | undefined;
  /**
   * The proxy of the SDK's own pools: a URL, or `false` for none. Default: the environment's
   * (HTTPS_PROXY / HTTP_PROXY / NO_PROXY). Ignored for the budgets given as dispatchers.
   */
  proxy?: ProxyOption | undefined;
  logger?: Logger | undefined;
}

/** A transport's dispatchers and the shared pools it holds (released by its `close()`). */
export interface ConnectionBudgets {
  requests: Dispatcher;
  liveness: Dispatcher;
  streams: Dispatcher;
  leases: DispatcherLease[];
}

/** Custom dispatchers already warned about, per budget (once per dispatcher, not per client). */
const warned = { liveness: new WeakSet<Dispatcher>(), streams: new WeakSet<Dispatcher>() };

/**
 * The dispatchers for `options`. A custom dispatcher that is not a plain undici `Agent` (a proxy
 * agent, a mock, an `Agent` composed with interceptors) gives nothing to derive from: the budgets not given share its slots, with one warning
 * per dispatcher naming the option to pass.
 */
export function connectionBudgets(options: BudgetOptions): ConnectionBudgets {
  const leases: DispatcherLease[] = [];
  const hold = (l: DispatcherLease | undefined): Dispatcher | undefined => {
    if (l) leases.push(l);
    return l?.dispatcher;
  };
  // The proxy settings only where an own pool is made (a given dispatcher is used as it is).
  const proxy = options.dispatcher === undefined ? proxySettings(options.proxy) : undefined;
  const requests = options.dispatcher ?? hold(leaseRequestPool(proxy))!;
  const own = options.livenessDispatcher ? undefined : leaseLivenessPool(options.dispatcher, proxy);
  const liveness = options.livenessDispatcher ?? (own === "shared" ? requests : hold(own));
  const streams = options.streamDispatcher ?? hold(leaseStreamPool(options.dispatcher, proxy));
  const what: string[] = [];
  const pass: string[] = [];
  if (liveness === undefined && !warned.liveness.has(requests)) {
    warned.liveness.add(requests);
    what.push("heartbeats and state checks");
    pass.push("livenessDispatcher (so a slow peer call can never delay a heartbeat)");
  }
  if (streams === undefined && !warned.streams.has(requests)) {
    warned.streams.add(requests);
    what.push("long-lived streams");
    pass.push("streamDispatcher (so an open event stream can never delay a heartbeat)");
  }
  if (what.length > 0) {
    options.logger?.warn?.(
      `${what.join(" and ")} share the custom dispatcher's connection slots with every other ` +
        "request (it is not a plain undici Agent, so no separate budget could be derived): pass " +
        pass.join(" and "),
    );
  }
  return { requests, liveness: liveness ?? requests, streams: streams ?? requests, leases };
}
