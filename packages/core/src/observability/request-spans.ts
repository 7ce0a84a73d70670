// The span of a request received with its caller's W3C trace context in its metadata (an MCP
// request's `_meta.traceparent`) or its HTTP headers: what the request causes (platform calls,
// peer calls) joins the caller's trace.
import { activeTracing } from "./otel.js";
import { inSpan } from "./spans.js";
import { parentOf } from "./trace-context.js";

/** A received request, as its span names it. */
export interface TracedRequest {
  /** The span's name, of bounded cardinality (e.g. `tools/call call_peer`). */
  name: string;
  /** The span's attributes (ids and names only: never a token, a header or message text). */
  attributes: Record<string, string | number | boolean | undefined>;
  /** The request's metadata: `traceparent` (and `tracestate`) make the span their child. */
  metadata: unknown;
}

/**
 * Runs `fn` in a server span for `request`: a child of the caller's span from the metadata's or
 * the HTTP request's `traceparent` (`parentOf`'s rule) when either is valid, else of the active
 * context. Whatever `fn` does (the
 * platform requests and peer calls it makes) is a child of it. Without tracing, `fn` as it is.
 */
export function traceRequest<T>(request: TracedRequest, fn: () => Promise<T>): Promise<T> {
  const api = activeTracing();
  if (api === undefined) return fn();
  const parent = parentOf(request.metadata) ?? api.context.active();
  return inSpan(request.name, "server", request.attributes, async () => await fn(), { parent });
}
