// The built-in push server's connection limits, from the push delivery options.
import type { StartA2AServerOptions } from "../../a2a/index.js";
import type { PushDeliveryOptions } from "../types.js";

type Limits = Pick<
  StartA2AServerOptions,
  "maxConnections" | "headersTimeoutMs" | "requestTimeoutMs"
>;

/** The limits set in `opts` (unset ones keep the server's defaults). */
export function serverLimits(opts: PushDeliveryOptions): Limits {
  const out: Limits = {};
  if (opts.maxConnections !== undefined) out.maxConnections = opts.maxConnections;
  if (opts.headersTimeoutMs !== undefined) out.headersTimeoutMs = opts.headersTimeoutMs;
  if (opts.requestTimeoutMs !== undefined) out.requestTimeoutMs = opts.requestTimeoutMs;
  return out;
}
