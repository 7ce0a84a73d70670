// W3C trace context (`traceparent`, `tracestate`) in A2A message metadata: written on every
// message this SDK sends, read from every message it receives, so one trace spans every hop.
import type { Context } from "@opentelemetry/api";
import { otel } from "./otel.js";

/** Metadata keys of the W3C trace context in an A2A message. */
export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_TRACESTATE = 512;

/**
 * The context a received message continues: a root context with the remote span context of its
 * `traceparent` (and `tracestate`), or `undefined` when it carries none (or a malformed one: peer
 * metadata is untrusted, so anything but a valid W3C value is ignored).
 */
export function contextFromMetadata(metadata: unknown): Context | undefined {
  const api = otel();
  if (!api || !metadata || typeof metadata !== "object") return undefined;
  const m = metadata as Record<string, unknown>;
  const parent = m[TRACEPARENT];
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
  const state = m[TRACESTATE];
  const withState =
    typeof state === "string" && state.length > 0 && state.length <= MAX_TRACESTATE
      ? { ...spanContext, traceState: api.createTraceState(state) }
      : spanContext;
  return api.trace.setSpanContext(api.ROOT_CONTEXT, withState);
}
