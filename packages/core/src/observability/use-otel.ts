// `useOpenTelemetry`, in a file of its own: its public declaration names no type of
// `@opentelemetry/api`, an optional peer that a consumer without it could not resolve.
import { type OTelApi, setOTelApi } from "./otel.js";

/**
 * Traces the SDK's calls with `api`, the `@opentelemetry/api` module your application imports
 * (`import * as otelApi from "@opentelemetry/api"`). Node, Bun and Deno find an installed API by
 * themselves; the edge build (workerd, Next's edge runtime) cannot look an optional package up, so
 * it records no spans until this is called, once, before the first traced call. Spans then go to
 * the tracer provider your application registered with that API.
 *
 * @param openTelemetry - The `@opentelemetry/api` module (typed loosely: the package is optional).
 */
export function useOpenTelemetry(openTelemetry: object): void {
  const trace = (openTelemetry as { trace?: { getTracerProvider?: unknown } }).trace;
  if (typeof trace?.getTracerProvider !== "function") {
    throw new TypeError(
      'useOpenTelemetry takes the @opentelemetry/api module: import * as api from "@opentelemetry/api"',
    );
  }
  setOTelApi(openTelemetry as OTelApi);
}
