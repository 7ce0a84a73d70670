// `@opentelemetry/api`, loaded on first use and only when installed (an optional peer): without
// it, tracing costs one failed lookup per process and nothing per call.
import type * as OTel from "@opentelemetry/api";
import { loadOTel } from "../runtime/index.js";

/** The OpenTelemetry API module. */
export type OTelApi = typeof OTel;

let api: OTelApi | null | undefined;

/**
 * The OpenTelemetry API, or `undefined` when `@opentelemetry/api` is not installed or nothing is
 * registered with it yet. Loaded synchronously the first time it is needed once something is
 * registered (never at import), then cached. The API keeps its
 * registered provider, propagator and context manager on a global, so this copy sees the SDK the
 * application registered through its own import.
 */
export function otel(): OTelApi | undefined {
  if (api === undefined) {
    // Until something registers with the API (an SDK's tracer provider, a context manager, a
    // propagator), every call into it is a no-op: it stays unloaded (~12 MiB of an idle agent's
    // RSS, issue 88) and is looked for again on the next use.
    if ((globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] === undefined) return undefined;
    api = loadOTel() ?? null;
  }
  return api ?? undefined;
}

/** Where `@opentelemetry/api` 1.x keeps what is registered with it (created on the first registration). */
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/** Sets the API every later lookup answers (`useOpenTelemetry`, use-otel.ts, checked it). */
export function setOTelApi(openTelemetry: OTelApi): void {
  api = openTelemetry;
}

let provider: OTel.TracerProvider | undefined;
let cached: OTel.Tracer | undefined;

/**
 * The tracer of this SDK's spans (a no-op tracer until an SDK registers a provider). Cached per
 * global provider: `getTracer` allocates a tracer each call, and the global provider object only
 * changes when the application disables and re-registers tracing.
 */
export function tracer(a: OTelApi): OTel.Tracer {
  const p = a.trace.getTracerProvider();
  if (p !== provider || cached === undefined) {
    provider = p;
    cached = p.getTracer("@molecule-ai/agent-core");
  }
  return cached;
}

/**
 * The OpenTelemetry API when spans are recorded (the API is installed and a tracer provider is
 * registered), else `undefined`: a hot path checks it first and, when off, runs its work directly
 * (no span attributes, no closure, no extra promise).
 */
export function activeTracing(): OTelApi | undefined {
  const a = otel();
  return a !== undefined && tracingOn(a) ? a : undefined;
}

/**
 * Whether a tracer provider is registered: false while the API answers with its no-op provider
 * (no OpenTelemetry SDK started), so hot paths skip building span attributes. Recognised by class
 * name; should a bundler rename it, spans are just built and dropped as before.
 */
function tracingOn(a: OTelApi): boolean {
  const p = a.trace.getTracerProvider() as OTel.TracerProvider & { getDelegate?(): object };
  const d = p.getDelegate?.() ?? p;
  return d.constructor.name !== "NoopTracerProvider";
}
