// The plain handler signature every adapter's inbound handler satisfies.
import type { InboundMessage } from "../inbound/index.js";

/**
 * The handler signature `RemoteAgent` and the push server call: a structural subset of core's
 * `HandlerContext` so a handler built by an adapter plugs into any of them.
 */
export type PeerMessageHandler = (
  msg: InboundMessage,
  ctx?: { signal?: AbortSignal },
) => Promise<string | undefined>;
