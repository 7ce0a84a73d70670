// The span of one inbound message's handling: a child of the sender's span when the message
// carries a W3C trace context in its metadata.
import type { Span } from "@opentelemetry/api";
import { activeTracing } from "./otel.js";
import { ATTR, GEN_AI, SPAN, inSpan } from "./spans.js";
import { contextFromMetadata } from "./trace-context.js";

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

/**
 * Runs the handling of `msg` (every attempt) in a `molecule.handle_message` span: kind server for
 * push, consumer for poll; its parent is the sender's span from the message's `traceparent`, and a
 * message without one starts a new trace (never the context the agent happened to start in).
 */
export function traceInbound<T>(
  workspaceId: string,
  msg: TracedMessage,
  redelivered: boolean,
  fn: (span: Span | undefined) => Promise<T>,
  onResult?: (span: Span, result: T) => void,
): Promise<T> {
  const api = activeTracing();
  if (api === undefined) return fn(undefined); // no span: nothing to build one from
  const push = msg.activityId === undefined;
  return inSpan(
    SPAN.handle,
    push ? "server" : "consumer",
    {
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
    },
    fn,
    {
      parent: contextFromMetadata(metadataOf(msg)) ?? api.ROOT_CONTEXT,
      ...(onResult ? { onResult } : {}),
    },
  );
}
