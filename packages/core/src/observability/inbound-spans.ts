// The span of one inbound message's handling: a child of the sender's span when the message
// carries a W3C trace context in its metadata.
import type { Context, Span } from "@opentelemetry/api";
import { activeTracing, type OTelApi } from "./otel.js";
import { ATTR, GEN_AI, SPAN, inSpan, type SpanAttributes } from "./spans.js";
import { spanOverAnswer } from "./stream-spans.js";
import { parentOf } from "./trace-context.js";

/** The parts of an inbound message its span reads. */
export interface TracedMessage {
  activityId: string | undefined;
  messageId: string | undefined;
  contextId?: string | undefined;
  sourceId: string | null;
  claimedSourceId?: string | undefined;
  isReply: boolean;
  params: unknown;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** The A2A message metadata of `msg` (`params.message.metadata`, else `params.metadata`). */
function metadataOf(msg: { params: unknown }): Record<string, unknown> | undefined {
  const params = record(msg.params);
  return record(record(params?.["message"])?.["metadata"]) ?? record(params?.["metadata"]);
}

/** The attributes of `msg`'s `molecule.handle_message` span. */
function inboundAttributes(
  workspaceId: string | undefined,
  msg: TracedMessage,
  redelivered: boolean,
): SpanAttributes {
  const push = msg.activityId === undefined;
  return {
    [ATTR.workspaceId]: workspaceId,
    [ATTR.delivery]: push ? "push" : "poll",
    [ATTR.messageId]: msg.messageId,
    [ATTR.contextId]: msg.contextId,
    [ATTR.activityId]: msg.activityId,
    [ATTR.peerId]: msg.sourceId ?? msg.claimedSourceId,
    [ATTR.isReply]: msg.isReply,
    [ATTR.redelivered]: redelivered,
    [GEN_AI.operation]: "invoke_agent",
    [GEN_AI.agentId]: workspaceId,
    [GEN_AI.conversationId]: msg.contextId,
  };
}

/**
 * The context `msg`'s span is a child of: the sender's span (its metadata's or its HTTP request's
 * `traceparent`, by `parentOf`'s rule), else none (a new trace).
 */
function senderContext(api: OTelApi, msg: TracedMessage): Context {
  return parentOf(metadataOf(msg)) ?? api.ROOT_CONTEXT;
}

/**
 * Runs the handling of `msg` (every attempt) in a `molecule.handle_message` span: kind server for
 * push, consumer for poll; its parent is the sender's span from the message's `traceparent`, and a
 * message without one starts a new trace (never the context the agent happened to start in).
 * What `fn` runs (an LLM framework's spans, the peer calls it makes) is a child of it.
 */
export function traceInbound<T>(
  workspaceId: string | undefined,
  msg: TracedMessage,
  redelivered: boolean,
  fn: (span: Span | undefined) => Promise<T>,
  onResult?: (span: Span, result: T) => void,
): Promise<T> {
  const api = activeTracing();
  if (api === undefined) return fn(undefined); // no span: nothing to build one from
  return inSpan(
    SPAN.handle,
    msg.activityId === undefined ? "server" : "consumer",
    inboundAttributes(workspaceId, msg, redelivered),
    fn,
    { parent: senderContext(api, msg), ...(onResult ? { onResult } : {}) },
  );
}

/**
 * {@link traceInbound} for an answer that may be streamed (A2A `message/stream`): `start` runs in
 * the message's span and, when it resolves with an async iterable, so does every step of it; the
 * span ends with the stream (read to its end, failed, or left by its reader). Without tracing,
 * `start()` as it is.
 */
export function traceInboundAnswer<T>(
  workspaceId: string | undefined,
  msg: TracedMessage,
  start: () => Promise<T>,
): Promise<T> {
  const api = activeTracing();
  if (api === undefined) return start();
  return spanOverAnswer(
    api,
    SPAN.handle,
    "server",
    inboundAttributes(workspaceId, msg, false),
    senderContext(api, msg),
    start,
  );
}
