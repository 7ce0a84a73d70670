// `@opentelemetry/api`, loaded on first use and only when installed (an optional peer): without
// it, tracing costs one failed lookup per process and nothing per call.
import { createRequire } from "node:module";
import type * as OTel from "@opentelemetry/api";

/** The OpenTelemetry API module. */
export type OTelApi = typeof OTel;

let api: OTelApi | null | undefined;

/**
 * The OpenTelemetry API, or `undefined` when `@opentelemetry/api` is not installed. Loaded
 * synchronously the first time it is needed (never at import), then cached. The API keeps its
 * registered provider, propagator and context manager on a global, so this copy sees the SDK the
 * application registered through its own import.
 */
export function otel(): OTelApi | undefined {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)("@opentelemetry/api") as OTelApi;
    } catch {
      api = null;
    }
  }
  return api ?? undefined;
}

/** The tracer of this SDK's spans (a no-op tracer until an SDK registers a provider). */
export function tracer(a: OTelApi): OTel.Tracer {
  return a.trace.getTracer("@molecule-ai/agent-core");
}
