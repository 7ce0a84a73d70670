// W3C trace context (`traceparent`, `tracestate`), read from what this SDK receives: the metadata
// of a message (A2A `metadata`, MCP `_meta`) and the HTTP headers of the request that carried it.
// `parentOf` is the one rule that picks the parent of a received message's or request's span.
import type { Context } from "@opentelemetry/api";
import { otel, type OTelApi } from "./otel.js";

/** Metadata keys (and HTTP header names) of the W3C trace context. */
export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_TRACESTATE = 512;

/**
 * A root context with the remote span context of `traceparent` (and `tracestate`), or `undefined`
 * for anything but a valid W3C value (what a sender writes is untrusted: a malformed one is
 * ignored, never an error).
 */
function remoteContext(api: OTelApi, parent: unknown, state: unknown): Context | undefined {
  if (typeof parent !== "string") return undefined;
  const match = TRACEPARENT_RE.exec(parent.trim().toLowerCase());
  if (!match || match[1] === "ff" || (match[1] === "00" && match[5] !== undefined))
    return undefined;
  const spanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16) & 0xff,
    isRemote: true,
  };
  if (!api.trace.isSpanContextValid(spanContext)) return undefined;
  const withState =
    typeof state === "string" && state.length > 0 && state.length <= MAX_TRACESTATE
      ? { ...spanContext, traceState: api.createTraceState(state) }
      : spanContext;
  return api.trace.setSpanContext(api.ROOT_CONTEXT, withState);
}

/**
 * The context a received message continues: a root context with the remote span context of its
 * metadata's `traceparent` (and `tracestate`), or `undefined` when it carries none (or a malformed
 * one).
 */
function contextFromMetadata(metadata: unknown): Context | undefined {
  const api = otel();
  if (!api || !metadata || typeof metadata !== "object") return undefined;
  const m = metadata as Record<string, unknown>;
  return remoteContext(api, m[TRACEPARENT], m[TRACESTATE]);
}

/** Where {@link withHeaderTrace} keeps the request headers' trace context (OTel context key). */
let headerKey: symbol | undefined;

/**
 * Runs `fn` with the trace context of the HTTP request being served (its `traceparent` and
 * `tracestate` headers) remembered for {@link parentOf}; `fn` as it is when the request has no
 * `traceparent` or no OpenTelemetry API is registered (the hot path: one `undefined` check). The
 * active span does not change: only the spans that {@link parentOf} parents read it.
 */
export function withHeaderTrace<T>(parent: unknown, state: unknown, fn: () => T): T {
  if (parent === undefined) return fn();
  const api = otel();
  const ctx = api && remoteContext(api, parent, state);
  if (!api || !ctx) return fn();
  headerKey ??= api.createContextKey("molecule.http.trace_context");
  return api.context.with(api.context.active().setValue(headerKey, ctx), fn);
}

/**
 * THE parent rule of a span for something received (a pushed or endpoint message, an MCP tool
 * call), from the W3C trace context of its metadata and of the HTTP request that carried it:
 * - only one of them is valid: that one;
 * - both, in the same trace: the header's (the nearer hop: an OTel-instrumented proxy or gateway
 *   between the sender and us rewrote it to its own span, which is the sender's span's child);
 * - both, in different traces: the metadata's (the sender's own word, end to end: a hop that
 *   started a trace of its own, such as the platform's proxy, does not cut the sender's trace);
 * - neither: `undefined` (the caller picks its default).
 */
export function parentOf(metadata: unknown): Context | undefined {
  const api = otel();
  if (!api) return undefined;
  const fromMetadata = contextFromMetadata(metadata);
  const fromHeader =
    headerKey === undefined
      ? undefined
      : (api.context.active().getValue(headerKey) as Context | undefined);
  if (fromHeader === undefined || fromMetadata === undefined) return fromHeader ?? fromMetadata;
  const sameTrace =
    api.trace.getSpanContext(fromHeader)?.traceId ===
    api.trace.getSpanContext(fromMetadata)?.traceId;
  return sameTrace ? fromHeader : fromMetadata;
}
