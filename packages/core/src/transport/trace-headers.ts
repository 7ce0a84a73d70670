// W3C trace context as HTTP headers (`traceparent`, `tracestate`): written on every request the SDK
// sends while a span is active (to the platform, to peers, to push-notification webhooks), and
// read from every request it serves (the A2A push server and message endpoint, MCP over HTTP), so
// a hop through an OpenTelemetry-instrumented proxy, gateway or server joins the trace. The
// headers carry ids only: they may go anywhere (unlike the platform bearer, never sent to a peer).
import { withHeaderTrace, writeTraceContext } from "../observability/index.js";

/** `headers` with the active span's `traceparent` (and `tracestate`) added; as they are without one. */
export function withTraceHeaders<T extends Record<string, string>>(headers: T): T {
  writeTraceContext(headers);
  return headers;
}

/**
 * Runs `fn` (the serving of one request) with the trace context of the request's `traceparent`
 * and `tracestate` headers, which the spans of what it receives take as a parent by the rule of
 * `parentOf` (observability/trace-context.ts: the header and the message metadata). `fn` as it is
 * when the request has no `traceparent`.
 */
export function servingTraceHeaders<T>(
  traceparent: string | string[] | null | undefined,
  tracestate: string | string[] | null | undefined,
  fn: () => T,
): T {
  // Repeated headers (an array) are invalid trace context: ignored like a malformed value.
  if (typeof traceparent !== "string") return fn();
  return withHeaderTrace(traceparent, typeof tracestate === "string" ? tracestate : undefined, fn);
}
