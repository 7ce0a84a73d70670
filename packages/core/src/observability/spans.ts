// The SDK's OpenTelemetry spans: peer calls and answers (client), inbound handling (server for
// push, consumer for poll), platform requests (client). Without `@opentelemetry/api` each helper
// just runs its function.
import type { Context, Span } from "@opentelemetry/api";
import { activeTracing, otel, type OTelApi, tracer } from "./otel.js";

/** Span names. */
export const SPAN = {
  peerCall: "molecule.peer_call",
  reply: "molecule.reply",
  handle: "molecule.handle_message",
  tool: "molecule.tool",
} as const;

/** Attribute keys (ids and outcomes only: never a token, a header or message text). */
export const ATTR = {
  workspaceId: "molecule.workspace.id",
  peerId: "molecule.peer.id",
  messageId: "a2a.message.id",
  contextId: "a2a.context.id",
  via: "molecule.peer_call.via",
  callStatus: "molecule.peer_call.status",
  protocol: "a2a.protocol.version",
  delivery: "molecule.delivery",
  activityId: "molecule.activity.id",
  isReply: "molecule.message.is_reply",
  redelivered: "molecule.message.redelivered",
  attempts: "molecule.handler.attempts",
  outcome: "molecule.handler.outcome",
} as const;

/**
 * OpenTelemetry GenAI semantic conventions, set beside the attributes above so that observability
 * tools that understand agents read the SDK's spans: a peer call and a message's handling are
 * `invoke_agent` (the agent is the peer, resp. this workspace; the conversation is the A2A
 * `contextId`), a peer tool's run is `execute_tool`.
 */
export const GEN_AI = {
  operation: "gen_ai.operation.name",
  agentId: "gen_ai.agent.id",
  agentName: "gen_ai.agent.name",
  conversationId: "gen_ai.conversation.id",
  toolName: "gen_ai.tool.name",
  toolType: "gen_ai.tool.type",
  toolCallId: "gen_ai.tool.call.id",
} as const;

/** Attribute values; `undefined` ones are left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/**
 * Longest string attribute a span gets, in characters (ids a sender chose included: `a2a.message.id`,
 * `a2a.context.id`, `molecule.peer.id`, ...): longer values are cut to 255 characters and `…`.
 */
export const MAX_SPAN_ATTRIBUTE_LENGTH = 256;
/**
 * Longest exception message recorded on a span, in characters (cut the same way): the span's
 * status and every `exception` event (`exception.message`; no stack is recorded).
 */
export const MAX_SPAN_MESSAGE_LENGTH = 1024;

/** `value` cut to `max` characters (the last one `…`) when longer; other values as they are. */
export function boundAttribute<T>(value: T, max = MAX_SPAN_ATTRIBUTE_LENGTH): T | string {
  return typeof value === "string" && value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** A span's kind. */
export type Kind = "client" | "server" | "consumer" | "internal";

function defined(attrs: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = boundAttribute(v);
  return out;
}

/**
 * The attributes of an `exception` span event for `err`: its type and `message` (default: the
 * error's), bounded (no stack, no cause).
 */
export function exceptionAttributes(
  err: unknown,
  message = err instanceof Error ? err.message : String(err),
): { "exception.type": string; "exception.message": string } {
  return {
    "exception.type": boundAttribute(err instanceof Error ? err.name : "Error"),
    "exception.message": boundAttribute(message, MAX_SPAN_MESSAGE_LENGTH),
  };
}

/**
 * Marks `span` failed with `err`, and records it as an `exception` event by name and message (no
 * stack, no cause) unless `record` is false (it was recorded already).
 */
export function failSpan(span: Span, err: unknown, record = true): void {
  const api = otel();
  const { "exception.type": name, "exception.message": message } = exceptionAttributes(err);
  if (record) span.recordException({ name, message });
  span.setAttribute("error.type", name);
  if (api) span.setStatus({ code: api.SpanStatusCode.ERROR, message });
}

/** A started span and the context it is active in. */
interface StartedSpan {
  span: Span;
  context: Context;
}

/** Starts a span of `kind` as a child of `parent`, and the context in which it is the active one. */
export function startSpan(
  api: OTelApi,
  name: string,
  kind: Kind,
  attributes: SpanAttributes,
  parent: Context,
): StartedSpan {
  const spanKind =
    kind === "client"
      ? api.SpanKind.CLIENT
      : kind === "server"
        ? api.SpanKind.SERVER
        : kind === "consumer"
          ? api.SpanKind.CONSUMER
          : api.SpanKind.INTERNAL;
  const span = tracer(api).startSpan(
    name,
    { kind: spanKind, attributes: defined(attributes) },
    parent,
  );
  return { span, context: api.trace.setSpan(parent, span) };
}

/**
 * Runs `fn` in a new active span (child of `parent`, default the active context), ended when `fn`
 * settles; `onResult` may add attributes from the result. A thrown error is recorded and rethrown.
 */
export async function inSpan<T>(
  name: string,
  kind: Kind,
  attributes: SpanAttributes,
  fn: (span: Span | undefined) => Promise<T>,
  options: { parent?: Context | undefined; onResult?: (span: Span, result: T) => void } = {},
): Promise<T> {
  const api = activeTracing();
  if (api === undefined) return fn(undefined);
  const parent = options.parent ?? api.context.active();
  const { span, context: ctx } = startSpan(api, name, kind, attributes, parent);
  // Not sampled: no span to end or fill in, but it is still the active one, so what runs inside
  // keeps the sampling decision and the trace id (a parent-based sampler drops its spans too, an
  // outgoing message carries the trace context) instead of starting traces of its own.
  if (!span.isRecording()) return await api.context.with(ctx, () => fn(undefined));
  return await api.context.with(ctx, async () => {
    try {
      const result = await fn(span);
      options.onResult?.(span, result);
      return result;
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** An OpenTelemetry context, opaque outside this folder. */
export type TraceContext = object;

/** The active context (to run later work, such as an answer's send, in it), if OpenTelemetry is on. */
export function activeContext(): TraceContext | undefined {
  return otel()?.context.active();
}

/**
 * Runs `fn` outside any trace (background loops started inside a request must not become part of
 * it: heartbeats, polls and their spans are roots of their own).
 */
export function detached<T>(fn: () => T): T {
  const api = otel();
  return api ? api.context.with(api.ROOT_CONTEXT, fn) : fn();
}

/** Runs `fn` in `ctx` (when given and OpenTelemetry is on). */
export function withContext<T>(ctx: TraceContext | undefined, fn: () => T): T {
  const api = otel();
  return api && ctx ? api.context.with(ctx as Context, fn) : fn();
}
