// The active span's trace context as message metadata, in a file of its own: its public
// declaration names no type of `@opentelemetry/api` (an optional peer a consumer without it could
// not resolve), so `/adapters` re-exports it from here (the MCP server's notifications carry it).
import { otel } from "./otel.js";
import { TRACEPARENT, TRACESTATE } from "./trace-context.js";

/**
 * The active span's W3C trace context as message metadata (`{ traceparent, tracestate? }`), or
 * an empty object when there is no OpenTelemetry API or no valid active span.
 */
export function traceMetadata(): Record<string, string> {
  const api = otel();
  const sc = api?.trace.getSpanContext(api.context.active());
  if (!api || !sc || !api.trace.isSpanContextValid(sc)) return {};
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  const out: Record<string, string> = { [TRACEPARENT]: `00-${sc.traceId}-${sc.spanId}-${flags}` };
  const state = sc.traceState?.serialize();
  if (state) out[TRACESTATE] = state;
  return out;
}
