// InboundMessage: one message addressed to this agent, whichever way it arrived (a polled activity
// row in either shape, or a pushed A2A message), normalised.
import { normalizeParts, textOfParts } from "../a2a/index.js";
import { IN_REPLY_TO_KEY, isAgentRole } from "../a2a/index.js";
import { TASK_ERROR_KEY, TASK_ID_KEY, TASK_STATE_KEY, isTaskState } from "../a2a/index.js";
import { FAILURE_KEY, isAnswerFailure } from "../a2a/index.js";
import type { A2APart, AnswerFailure, AnswerTask } from "../a2a/index.js";
import type { InboundFile } from "../files/index.js";

/** Who sent an inbound message. */
export type InboundSource = "canvas_user" | "peer_agent" | "unknown";

/** One inbound message, normalised from any row shape or a pushed A2A message. */
export interface InboundMessage {
  /** Activity row id (poll); `undefined` for push. */
  activityId: string | undefined;
  /**
   * The row's place in the platform's feed (`seq`, August-2026 servers): what the agent
   * acknowledges once the message is settled (`PlatformClient.ackActivity`).
   */
  activitySeq?: number;
  /** The A2A `messageId`, when present (use it to de-duplicate). */
  messageId: string | undefined;
  /** The JSON-RPC method, e.g. `"message/send"`. */
  method: string;
  /** The JSON-RPC params as received. */
  params: unknown;
  /** Canvas user, peer agent, or unknown. */
  source: InboundSource;
  /**
   * The peer workspace id the platform authenticated (polled messages); `null` for the canvas and
   * for every pushed message (the platform forwards no caller identity: see `claimedSourceId`).
   */
  sourceId: string | null;
  /**
   * Pushed messages only: the workspace id the sender claims in its metadata
   * (`molecule_source_workspace_id`, sent by this SDK's `callPeer` and `reply`, or
   * `source_workspace_id`). The platform
   * forwards no caller identity, so this is an unauthenticated hint (anyone who can reach the push
   * URL can write it): use it for display or routing, never for authorization.
   */
  claimedSourceId?: string;
  /** The message text (text parts joined). */
  text: string;
  /** The message parts, normalised to A2A v0.3 (`kind`). */
  parts: A2APart[];
  /**
   * The files that came with it (a `RemoteAgent` sets it before the handler runs): a canvas
   * upload (the canvas's message names it in a file part: fetched from the platform on poll,
   * taken in by the agent's push server on push) and a file part with inline bytes. Each has a
   * safe `name`, `mediaType`, `size` and `bytes()` / `text()` / `stream()`. See
   * `@molecule-ai/agent-core/files`.
   */
  files?: InboundFile[];
  /**
   * The sender's name in the platform's registry: the activity row's own (`peer_name`, flat or in
   * a `data` block, when the platform sends one), else the name this client's peer cache holds for
   * the `sourceId` the platform authenticated (`PlatformClient.fetchActivityRows`). Never what a
   * sender wrote. Absent for the canvas, on push delivery, and for a sender the cache does not know
   * yet (its first message starts one lookup; the next ones are named).
   */
  peerName?: string;
  /** The sender's role in the platform's registry, found as {@link peerName} is. */
  peerRole?: string;
  /** The sender's agent card URL, only when the platform's row names one. */
  agentCardUrl?: string;
  /**
   * Set on a delegation result the platform pushed into this workspace's own inbox (newer
   * platforms with `DELEGATION_RESULT_INBOX_PUSH=1`, molecule-core #2832-#2844): an `a2a_receive`
   * row with method `delegate_result` whose sender is this workspace itself. It is not a message:
   * a `RemoteAgent` never hands it to the handler (listen to its `delegationResult` event). `text`
   * is the delegate's answer (peer output: `sanitizePeerText` before a model reads it), `""` when
   * it failed; `error` says why it failed.
   */
  delegationResult?: {
    delegationId: string;
    status: "completed" | "failed";
    text: string;
    error?: string;
  };
  /** The A2A `contextId`, when present (replies continue the same conversation). */
  contextId?: string;
  /**
   * True when the message is an answer (`role: "agent"`, from this SDK, the Python reference or
   * any A2A client). The `RemoteAgent` never answers an answer.
   */
  isReply: boolean;
  /** The `messageId` this answer answers (metadata `molecule_in_reply_to`), when the sender named it. */
  inReplyTo?: string;
  /**
   * The A2A `taskId` the message names: the task of this agent it continues (an answer to a
   * question the handler asked with `askForInput`). On push the A2A endpoint checked it (a task
   * of this workspace, not finished); on poll the agent checks it before the handler runs (a
   * task it asked that same sender).
   */
  taskId?: string;
  /** An answer's task on the agent that answered (see {@link AnswerTask}), when it names one. */
  answerTask?: AnswerTask;
  /**
   * Set on an answer that says the message it answers was dead-lettered there, unanswered
   * (metadata `molecule_failure`): `RemoteAgent#callPeer` then fails with `peer_failed`.
   */
  answerFailure?: AnswerFailure;
  /** When the platform recorded (or the push server received) the message. */
  receivedAt: Date;
  /** The raw row or message. */
  raw: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function toDate(v: unknown): Date {
  if (typeof v === "string" || typeof v === "number") {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date();
}

/** Locates the A2A message and its parts inside a JSON-RPC request body (any Molecule dialect). */
function messageOfBody(body: unknown): {
  message: Record<string, unknown> | undefined;
  parts: unknown;
  params: unknown;
  method: string | undefined;
} {
  if (!isRecord(body))
    return { message: undefined, parts: undefined, params: undefined, method: undefined };
  const params = isRecord(body.params) ? body.params : undefined;
  const method = typeof body.method === "string" ? body.method : undefined;
  if (params && isRecord(params.message)) {
    return { message: params.message, parts: params.message.parts, params, method };
  }
  if (params && Array.isArray(params.parts))
    return { message: params, parts: params.parts, params, method };
  if (Array.isArray(body.parts))
    return { message: body, parts: body.parts, params: params ?? body, method };
  return { message: undefined, parts: undefined, params, method };
}

/**
 * How `msg` came: polled (read from the activity, or taken from the event stream with its body:
 * a peer's, its sender authenticated) or pushed (no row, no authenticated sender).
 */
export function deliveryOf(msg: InboundMessage): "poll" | "push" {
  return msg.activityId === undefined && msg.sourceId === null ? "push" : "poll";
}

/**
 * Parses one `GET /workspaces/:id/activity` row into an {@link InboundMessage}. Both shapes are
 * understood: the flat server row (`source_id`, `request_body.params.message.parts` with `kind` or
 * `type`) and the Python SDK's enrichment object (`data.source`, `data.text`, `data.peer_name`, …).
 *
 * Returns `null` for rows that are not inbound messages: rows without an `id`, the agent's own
 * `/notify` echoes (`method: "notify"`), the platform's record of a file the canvas staged for
 * this workspace (`method: "chat_upload_receive"`: the canvas's message that follows names the
 * file in a file part, and the message is what the handler gets, with the file in `files`), and
 * rows of another activity type than `a2a_receive`. Callers polling with a cursor must still
 * advance past those rows. A delegation result the platform pushed into the inbox comes back with
 * `delegationResult` set (see there).
 */
export function parseActivityRow(row: unknown): InboundMessage | null {
  if (!isRecord(row)) return null;
  const activityId = nonEmpty(row.id);
  if (!activityId) return null;
  return parseRow(row, activityId);
}

/**
 * Parses what an `ACTIVITY_LOGGED` event says of the row it announces (the platform's event
 * stream, since 2026-05: the row's fields with its `request_body`, never its id) as
 * {@link parseActivityRow} parses the row; `activityId` is undefined. `null` where it is not an
 * inbound message, or carries no body.
 */
export function parseAnnouncedRow(event: Record<string, unknown>): InboundMessage | null {
  if (!isRecord(event.request_body)) return null;
  return parseRow(event, undefined);
}

function parseRow(
  row: Record<string, unknown>,
  activityId: string | undefined,
): InboundMessage | null {
  if (row.method === "notify" || row.method === "chat_upload_receive") return null;
  if (typeof row.activity_type === "string" && row.activity_type !== "a2a_receive") return null;

  const data = isRecord(row.data) ? row.data : {};
  const sourceKind = nonEmpty(data.source) ?? nonEmpty(row.source) ?? "";
  const sourceIdRaw = nonEmpty(row.source_id) ?? nonEmpty(data.source_id);
  const isFlatRow = "activity_type" in row || "request_body" in row || "source_id" in row;
  let source: InboundSource;
  if (sourceKind === "canvas_user" || sourceKind === "user") source = "canvas_user";
  else if (sourceKind === "peer_agent") source = "peer_agent";
  else if (sourceIdRaw && sourceIdRaw !== "user") source = "peer_agent";
  else if (sourceIdRaw === "user") source = "canvas_user";
  else if (isFlatRow) source = "canvas_user"; // flat rows: source_id null = the canvas
  else source = "unknown";
  const sourceId =
    source === "peer_agent" && sourceIdRaw && sourceIdRaw !== "user" ? sourceIdRaw : null;

  const found = messageOfBody(row.request_body);
  let parts = normalizeParts(found.parts);
  let text = textOfParts(found.parts);
  if (text === "") {
    const dataText = data.text ?? data.message;
    if (typeof dataText === "string") text = dataText;
    else if (dataText !== undefined) {
      const inner = messageOfBody({ params: { message: dataText } });
      text = textOfParts(inner.parts);
      if (parts.length === 0) parts = normalizeParts(inner.parts);
    }
  }
  const result = delegationResultOf(row, sourceId);
  if (result) text = result.text;
  if (text === "" && row.request_body === undefined && typeof row.summary === "string") {
    text = row.summary;
  }
  if (parts.length === 0 && text !== "") parts = [{ kind: "text", text }];

  const message = found.message;
  const msg: InboundMessage = {
    activityId,
    messageId: nonEmpty(message?.messageId) ?? nonEmpty(message?.message_id),
    method: nonEmpty(row.method) ?? found.method ?? "message/send",
    params: found.params,
    source,
    sourceId,
    text,
    parts,
    receivedAt: toDate(row.created_at ?? row.ts),
    isReply: false,
    raw: row,
  };
  const seq = (row as { seq?: unknown }).seq;
  if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0) msg.activitySeq = seq;
  const peerName = nonEmpty(data.peer_name) ?? nonEmpty(row.peer_name);
  if (peerName) msg.peerName = peerName;
  const peerRole = nonEmpty(data.peer_role) ?? nonEmpty(row.peer_role);
  if (peerRole) msg.peerRole = peerRole;
  const cardUrl = nonEmpty(data.agent_card_url) ?? nonEmpty(row.agent_card_url);
  if (cardUrl) msg.agentCardUrl = cardUrl;
  const contextId = nonEmpty(message?.contextId) ?? nonEmpty(message?.context_id);
  if (contextId) msg.contextId = contextId;
  if (result) msg.delegationResult = result;
  markReply(msg, message);
  return msg;
}

/**
 * A delegation result pushed into this workspace's inbox (`pushDelegationResultToInbox`,
 * `delegation.go` 50-78 at enteros-core 50c3bdfd): method `delegate_result` and a sender the
 * platform recorded as the workspace itself (`source_id` = the row's `workspace_id`). A peer can
 * send a call named `delegate_result` too, but its row names the peer as the sender: a message.
 */
function delegationResultOf(
  row: Record<string, unknown>,
  sourceId: string | null,
): InboundMessage["delegationResult"] {
  if (row.method !== "delegate_result" || !sourceId || sourceId !== nonEmpty(row.workspace_id))
    return undefined;
  const response = isRecord(row.response_body) ? row.response_body : {};
  const request = isRecord(row.request_body) ? row.request_body : {};
  const failed = row.status === "error" || row.status === "failed";
  const out: NonNullable<InboundMessage["delegationResult"]> = {
    delegationId: nonEmpty(response.delegation_id) ?? nonEmpty(request.delegation_id) ?? "",
    status: failed ? "failed" : "completed",
    text: typeof response.text === "string" ? response.text : "",
  };
  const error = nonEmpty(row.error_detail);
  if (error) out.error = error;
  return out;
}

/** Sets `isReply`, `inReplyTo`, `taskId` and `answerTask` from the A2A message and its metadata. */
function markReply(msg: InboundMessage, message: Record<string, unknown> | undefined): void {
  if (!message) return;
  msg.isReply = isAgentRole(message.role);
  const metadata = isRecord(message.metadata) ? message.metadata : undefined;
  const inReplyTo = nonEmpty(metadata?.[IN_REPLY_TO_KEY]);
  if (inReplyTo) msg.inReplyTo = inReplyTo;
  const taskId = nonEmpty(message.taskId) ?? nonEmpty(message.task_id);
  if (taskId) msg.taskId = taskId;
  const failure = metadata?.[FAILURE_KEY];
  if (msg.isReply && isAnswerFailure(failure)) msg.answerFailure = failure;
  const answerTaskId = nonEmpty(metadata?.[TASK_ID_KEY]);
  const state = metadata?.[TASK_STATE_KEY];
  if (answerTaskId && isTaskState(state)) {
    msg.answerTask = { id: answerTaskId, state };
    const error = metadata?.[TASK_ERROR_KEY];
    if (typeof error === "number" && Number.isInteger(error)) msg.answerTask.error = error;
  }
}

/**
 * Builds an {@link InboundMessage} from a pushed A2A message (v0.3 `parts[{kind|type}]` or v1.0
 * `parts[{text}]`). The platform's push forward carries no caller identity, so `source` is
 * `"unknown"` and `sourceId` is `null`. A sender id the message names in its own metadata
 * (`molecule_source_workspace_id`, which this SDK's `callPeer` and `reply` send, or
 * `source_workspace_id` / `sourceWorkspaceId` / `source_id`) goes to `claimedSourceId` only: it is
 * the sender's unauthenticated claim, never an identity to route, thread or authorize on.
 */
export function inboundFromA2AMessage(
  message: unknown,
  options: { method?: string; receivedAt?: Date } = {},
): InboundMessage {
  const m = isRecord(message) ? message : {};
  const metadata = isRecord(m.metadata) ? m.metadata : {};
  const msg: InboundMessage = {
    activityId: undefined,
    messageId: nonEmpty(m.messageId) ?? nonEmpty(m.message_id),
    method: options.method ?? "message/send",
    params: { message },
    source: "unknown",
    sourceId: null,
    text: textOfParts(m.parts),
    parts: normalizeParts(m.parts),
    receivedAt: options.receivedAt ?? new Date(),
    isReply: false,
    raw: message,
  };
  const contextId = nonEmpty(m.contextId) ?? nonEmpty(m.context_id);
  if (contextId) msg.contextId = contextId;
  markReply(msg, m);
  const claimed =
    nonEmpty(metadata.molecule_source_workspace_id) ??
    nonEmpty(metadata.source_workspace_id) ??
    nonEmpty(metadata.sourceWorkspaceId) ??
    nonEmpty(metadata.source_id);
  if (claimed) msg.claimedSourceId = claimed;
  return msg;
}
