// The active span's trace context as message metadata (and HTTP headers: same names, same
// values), in a file of its own: its public declaration names no type of `@opentelemetry/api` (an
// optional peer a consumer without it could not resolve), so `/adapters` re-exports it from here
// (the MCP server's notifications carry it).
import { otel } from "./otel.js";
import { TRACEPARENT, TRACESTATE } from "./trace-context.js";

/**
 * Writes the active span's W3C trace context (`traceparent`, and `tracestate` when it has one)
 * into `target` (message metadata or HTTP headers: the names are the same); writes nothing when
 * there is no OpenTelemetry API or no valid active span. Allocates nothing when tracing is off.
 */
export function writeTraceContext(target: Record<string, string>): void {
  const api = otel();
  if (api === undefined) return;
  const sc = api.trace.getSpanContext(api.context.active());
  if (!sc || !api.trace.isSpanContextValid(sc)) return;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  target[TRACEPARENT] = `00-${sc.traceId}-${sc.spanId}-${flags}`;
  const state = sc.traceState?.serialize();
  if (state) target[TRACESTATE] = state;
}

/**
 * The active span's W3C trace context as message metadata (`{ traceparent, tracestate? }`), or
 * an empty object when there is no OpenTelemetry API or no valid active span.
 */
export function traceMetadata(): Record<string, string> {
  const out: Record<string, string> = {};
  writeTraceContext(out);
  return out;
}
