// Outgoing messages that are not peer calls: a reply to an inbound message, a canvas notification,
// an asynchronous delegation.
import { buildMessageSendRequest } from "../a2a/index.js";
import { FAILURE_KEY, IN_REPLY_TO_KEY } from "../a2a/index.js";
import { TASK_ERROR_KEY, TASK_ID_KEY, TASK_STATE_KEY } from "../a2a/index.js";
import type { AnswerFailure, AnswerTask } from "../a2a/index.js";
import { traceMetadata } from "../observability/index.js";
import { MoleculeError, redactDeep, sendRetryingFresh } from "../transport/index.js";
import type { HttpResponse, RequestSpec } from "../transport/index.js";
import { delegateSchema } from "../wire/index.js";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { makeIdempotencyKey } from "./idempotency.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { postViaProxy } from "./peer-call.js";
import { assertDelivered } from "./peer-result.js";
import type { ChatFiles, NotifyOptions } from "./chat-files.js";
import { enc, type PlatformSession } from "./session.js";
import type { ActivityReport, DelegationResult } from "./types.js";

/**
 * What `PlatformClient.reply` needs of the message it answers: who sent it and which message and
 * conversation it was. An `InboundMessage` is one.
 */
export interface ReplyTarget {
  /** `"canvas_user"` replies with a notification; `"peer_agent"` with an A2A answer. */
  source: "canvas_user" | "peer_agent" | "unknown";
  /** The peer workspace id the platform authenticated. */
  sourceId: string | null;
  /** The A2A `messageId` answered (sent as `molecule_in_reply_to`). */
  messageId: string | undefined;
  /** The conversation the answer continues. */
  contextId?: string | undefined;
}

/** Options of `PlatformClient.reply`. */
export interface ReplyOptions {
  signal?: AbortSignal;
  messageId?: string;
  task?: AnswerTask;
  failure?: AnswerFailure;
  timeoutMs?: number;
}

/** Options of `PlatformClient.reportActivity`. */
export interface ReportOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Wait for the org's rate budget behind every other request (the agent's checkpoints do). */
  background?: boolean | undefined;
}

/**
 * How long an answer may wait for its turn of a spent rate budget before it gives up its place (its
 * outbox then sends it again): a little less than `callPeer`'s default 120 s timeout, past which
 * its caller has most likely stopped waiting.
 */
const ANSWER_TURN_WAIT_MS = 110_000;

/** Answers an inbound message; see `PlatformClient.reply`. */
export async function reply(
  s: PlatformSession,
  inbound: ReplyTarget,
  text: string,
  options: ReplyOptions,
): Promise<void> {
  if (typeof text !== "string" || text.trim() === "") throw invalid("reply needs non-empty text");
  const timeoutMs = options.timeoutMs ?? s.peerTimeoutMs;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw invalid(`reply timeoutMs must be a positive number; got ${String(timeoutMs)}`);
  if (!inbound || typeof inbound !== "object")
    throw invalid("reply needs the InboundMessage being answered");
  if (inbound.source === "canvas_user") {
    await notify(s, text, { signal: options.signal, timeoutMs, retryFresh: true });
    return;
  }
  if (inbound.source !== "peer_agent" || !inbound.sourceId) {
    throw invalid(
      "cannot reply to a message whose sender is unknown (no canvas user, no peer id); answer pushed messages in the A2A response instead",
    );
  }
  const target = requireId(inbound.sourceId, "sourceId");
  // Set field by field: an answer is built per message, and spreads of small objects cost more.
  const metadata: Record<string, unknown> = { ...s.senderHint, ...traceMetadata() };
  if (inbound.messageId !== undefined) metadata[IN_REPLY_TO_KEY] = inbound.messageId;
  const task = options.task;
  if (task !== undefined) {
    // An answer that belongs to a task of this agent (docs/protocol.md).
    metadata[TASK_ID_KEY] = task.id;
    metadata[TASK_STATE_KEY] = task.state;
    if (task.error !== undefined) metadata[TASK_ERROR_KEY] = task.error;
  }
  if (options.failure !== undefined) metadata[FAILURE_KEY] = options.failure;
  const req = buildMessageSendRequest({
    text,
    role: "agent",
    contextId: inbound.contextId,
    messageId: options.messageId,
    metadata,
  });
  // An answer the receiver de-duplicates by messageId: one that timed out (a connection a NAT
  // forgot?) is sent again at once on a new connection (fresh-retry.ts).
  // An answer goes before new calls and reads when the org's rate budget is spent, and keeps its
  // place until its turn comes.
  const res = await postViaProxy(s, target, JSON.stringify(req), timeoutMs, options.signal, {
    retryFresh: true,
    priority: "answer",
    turnWaitMs: ANSWER_TURN_WAIT_MS,
  });
  assertDelivered(s, target, req.params.message.messageId, res, "proxy");
}

/**
 * `POST /workspaces/:id/notify`: a chat message on the canvas, optionally with attachments: refs
 * uploaded before, and `files` uploaded first with `chatFiles.upload` (then attached, in order).
 */
export async function notify(
  s: PlatformSession,
  text: string,
  options: NotifyOptions & { timeoutMs?: number; retryFresh?: boolean },
  chatFiles?: ChatFiles,
): Promise<void> {
  if (typeof text !== "string" || text.trim() === "") throw invalid("notify needs non-empty text");
  let attachments = options.attachments ?? [];
  if (!Array.isArray(attachments)) throw invalid("notify attachments must be an array");
  attachments.forEach((a, i) => {
    if (!a || typeof a.uri !== "string" || a.uri === "" || typeof a.name !== "string" || !a.name)
      throw invalid(`notify attachment[${i}] needs a non-empty uri and name`);
  });
  if (options.files !== undefined && options.files.length > 0) {
    if (!chatFiles) throw invalid("notify with files needs a PlatformClient");
    const uploaded = await chatFiles.upload(options.files, { signal: options.signal });
    attachments = [...attachments, ...uploaded];
  }
  const body: Record<string, unknown> = { message: text };
  if (attachments.length > 0) body.attachments = attachments;
  const spec: RequestSpec = {
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/notify`,
    json: body,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  };
  const res = options.retryFresh ? await sendRetryingFresh(s, spec) : await s.send(spec);
  const refused = res.body as { error?: unknown } | undefined;
  if (res.status === 403 && refused?.error === "talk_to_user_disabled") {
    // August 2026 (enteros-core 29b4bffb): an operator turned this workspace's messages to the
    // canvas off; nothing was shown, and retrying will not change it.
    throw new MoleculeError(
      `notify: this workspace may not message the canvas (talk_to_user_disabled): an operator turned it off (PATCH /workspaces/:id/abilities {"talk_to_user_enabled": true} turns it on)`,
      {
        status: 403,
        code: "talk_to_user_disabled",
        retryable: false,
        body: redactDeep(res.body, s.known),
      },
    );
  }
  if (!ok(res.status)) throw await s.selfFail(res, "notify", options.signal);
}

/**
 * `POST /workspaces/<self>/activity`: a row in this workspace's own activity log (the canvas shows
 * it). The platform takes `activity_type` from a fixed list (`a2a_send`, `a2a_receive`,
 * `task_update`, `agent_log`, `skill_promotion`, `memory_write`, `error`) and `status` as free text.
 */
export async function reportActivity(
  s: PlatformSession,
  report: ActivityReport,
  options: ReportOptions,
): Promise<void> {
  // With its own timeout (the agent's checkpoints): one that times out (a connection a NAT
  // forgot?) is sent again at once on a new connection (fresh-retry.ts).
  const send = (spec: RequestSpec): Promise<HttpResponse> =>
    options.timeoutMs === undefined ? s.send(spec) : sendRetryingFresh(s, spec);
  const res = await send({
    timeoutMs: options.timeoutMs,
    ...(options.background === true ? { priority: "background" as const } : {}),
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/activity`,
    json: {
      activity_type: report.activityType,
      ...(report.method !== undefined ? { method: report.method } : {}),
      ...(report.summary !== undefined ? { summary: report.summary } : {}),
      ...(report.targetId !== undefined
        ? { target_id: requireId(report.targetId, "targetId") }
        : {}),
      ...(report.status !== undefined ? { status: report.status } : {}),
      ...(report.errorDetail !== undefined ? { error_detail: report.errorDetail } : {}),
      ...(report.requestBody !== undefined ? { request_body: report.requestBody } : {}),
    },
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "reportActivity", options.signal);
}

/** `POST /workspaces/<self>/delegate` with an idempotency key (so it is retried safely). */
export async function delegate(
  s: PlatformSession,
  targetId: string,
  task: string,
  options: { idempotencyKey?: string; signal?: AbortSignal },
): Promise<DelegationResult> {
  const target = requireId(targetId, "targetId");
  if (typeof task !== "string" || task.trim() === "")
    throw invalid("delegate needs a non-empty task");
  if (target === s.workspaceId) throw invalid("a workspace cannot delegate to itself");
  const key = options.idempotencyKey || makeIdempotencyKey(`${target}:${task}`);
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/delegate`,
    json: { target_id: target, task, idempotency_key: key },
    headers: s.selfHeaders,
    retry: true,
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "delegate", options.signal);
  const d = s.expect(delegateSchema, res, "delegate");
  return {
    delegationId: d.delegation_id,
    status: d.status,
    targetId: d.target_id ?? target,
    idempotentHit: d.idempotent_hit === true,
  };
}
