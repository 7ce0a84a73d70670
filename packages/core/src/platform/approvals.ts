// Human approvals (`/workspaces/:id/approvals`): open a request, list this workspace's, decide.
// Decisions come from a person on the canvas (the admin token, see AdminClient) or from the
// requester's own token; the parent's token is refused (401).
// shared/reference/platform-api-workspace-features.md §2.
import { utf8Length } from "../runtime/index.js";
import { MoleculeNotFoundError, redactDeep } from "../transport/index.js";
import type { MoleculeError } from "../transport/index.js";
import type { HttpResponse } from "../transport/index.js";
import {
  approvalCreateSchema,
  approvalDecisionSchema,
  approvalListSchema,
  type WireApprovalRow,
} from "../wire/index.js";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { requireWorkspaceId } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";

/** A decision on an approval. */
export type ApprovalDecision = "approved" | "denied";

/**
 * Longest `action` an approval request may have, in UTF-16 code units (JavaScript's
 * `string.length`): the platform stores any length, but the emulator's canvas cuts a longer text
 * at 2,000 with "…", so a longer request is refused here and a person always sees it whole.
 */
export const MAX_APPROVAL_ACTION_CHARS = 2_000;
/** Longest `reason` (and `taskId`), same measure and cause as {@link MAX_APPROVAL_ACTION_CHARS}. */
export const MAX_APPROVAL_REASON_CHARS = 2_000;
/** Bounds in bytes of what the SDK sends (the platform has none). */
const MAX_APPROVAL_ACTION_BYTES = 4096;
const MAX_APPROVAL_REASON_BYTES = 16_384;
const MAX_APPROVAL_CONTEXT_BYTES = 64 * 1024;

/** Input of `PlatformClient.createApproval` (and `RemoteAgent.requestApproval`). */
export interface ApprovalRequestInput {
  /** What the agent wants to do, as a person should read it. */
  action: string;
  /** Why. */
  reason?: string | undefined;
  /** The task it belongs to. */
  taskId?: string | undefined;
  /** Extra facts (a JSON object). Stored by the platform but never returned by any route. */
  context?: Record<string, unknown> | undefined;
  /**
   * The SHA-256 (64 hex) a decision binds to (`toolCallApproval` sets it from the tool name and
   * its complete input); default: of action, reason and taskId. Not a wire field: `ApprovalWaiter`
   * shows it in the reason's last line.
   */
  digest?: string | undefined;
}

/** One approval of this workspace as `GET /workspaces/:id/approvals` lists it. */
export interface ApprovalRecord {
  id: string;
  taskId: string;
  action: string;
  reason: string;
  /** `"pending"`, `"approved"` or `"denied"` (an expired request is `denied` by `auto-expired`). */
  status: string;
  /** Free text the decider sent (unauthenticated), `"human"` by default, `"auto-expired"` on expiry. */
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string | null;
}

function bytes(v: string): number {
  return utf8Length(v);
}

/** Checks an approval request before it is sent; returns the wire body. */
export function approvalBody(input: ApprovalRequestInput): Record<string, unknown> {
  if (!input || typeof input.action !== "string" || input.action.trim() === "")
    throw invalid("an approval request needs { action } with non-empty text");
  if (
    input.action.length > MAX_APPROVAL_ACTION_CHARS ||
    bytes(input.action) > MAX_APPROVAL_ACTION_BYTES
  )
    throw invalid(
      `action is at most ${MAX_APPROVAL_ACTION_CHARS} characters and ${MAX_APPROVAL_ACTION_BYTES} bytes (what a person can see whole on the canvas); got ${input.action.length} characters: nothing was sent`,
    );
  const body: Record<string, unknown> = { action: input.action };
  if (input.reason !== undefined) {
    if (typeof input.reason !== "string") throw invalid("reason must be a string");
    if (
      input.reason.length > MAX_APPROVAL_REASON_CHARS ||
      bytes(input.reason) > MAX_APPROVAL_REASON_BYTES
    )
      throw invalid(
        `reason is at most ${MAX_APPROVAL_REASON_CHARS} characters and ${MAX_APPROVAL_REASON_BYTES} bytes (what a person can see whole on the canvas); got ${input.reason.length} characters: nothing was sent`,
      );
    body["reason"] = input.reason;
  }
  if (input.taskId !== undefined) {
    if (typeof input.taskId !== "string" || input.taskId.length > MAX_APPROVAL_REASON_CHARS)
      throw invalid(`taskId must be a string of at most ${MAX_APPROVAL_REASON_CHARS} characters`);
    body["task_id"] = input.taskId;
  }
  if (input.context !== undefined) {
    const c = input.context;
    if (typeof c !== "object" || c === null || Array.isArray(c))
      throw invalid("context must be a plain JSON object");
    if (bytes(JSON.stringify(c)) > MAX_APPROVAL_CONTEXT_BYTES)
      throw invalid(`context is at most ${MAX_APPROVAL_CONTEXT_BYTES} bytes of JSON`);
    body["context"] = c;
  }
  return body;
}

/** `POST /workspaces/:id/approvals`: opens a request (the parent gets `APPROVAL_ESCALATED`). */
export async function createApproval(
  s: PlatformSession,
  input: ApprovalRequestInput & { signal?: AbortSignal | undefined },
): Promise<{ approvalId: string; status: string }> {
  const json = approvalBody(input);
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/approvals`,
    json,
    signal: input.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "createApproval", input.signal);
  const b = s.expect(approvalCreateSchema, res, "createApproval");
  return { approvalId: b.approval_id, status: b.status };
}

/** A wire approval row as an {@link ApprovalRecord}. */
function approvalRecord(r: WireApprovalRow): ApprovalRecord {
  return {
    id: r.id,
    taskId: r.task_id ?? "",
    action: r.action,
    reason: r.reason ?? "",
    status: r.status,
    decidedBy: r.decided_by ?? null,
    decidedAt: r.decided_at ?? null,
    createdAt: r.created_at ?? null,
  };
}

/** `GET /workspaces/:id/approvals`: the 50 newest of this workspace, any status. */
export async function listApprovals(
  s: PlatformSession,
  options: { signal?: AbortSignal | undefined },
): Promise<ApprovalRecord[]> {
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/approvals`,
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "listApprovals", options.signal);
  return s.expect(approvalListSchema, res, "listApprovals").map(approvalRecord);
}

/** Checks a decision and its ids; returns the request path and body. */
export function decisionRequest(
  workspaceId: string,
  approvalId: string,
  decision: ApprovalDecision,
  decidedBy: string | undefined,
): { path: string; json: Record<string, unknown> } {
  const ws = requireWorkspaceId(workspaceId, "workspace id");
  if (typeof approvalId !== "string" || !/^[0-9a-f-]{36}$/i.test(approvalId))
    throw invalid(`the approval id must be a UUID; got ${JSON.stringify(approvalId)}`);
  if (decision !== "approved" && decision !== "denied")
    throw invalid(`decision must be "approved" or "denied"; got ${JSON.stringify(decision)}`);
  if (decidedBy !== undefined && (typeof decidedBy !== "string" || bytes(decidedBy) > 256))
    throw invalid("decidedBy must be a string of at most 256 bytes");
  return {
    path: `/workspaces/${enc(ws)}/approvals/${enc(approvalId)}/decide`,
    json: { decision, ...(decidedBy ? { decided_by: decidedBy } : {}) },
  };
}

/** The typed error of a decide answer's 404: unknown, another workspace's, already decided or expired. */
export function decisionNotFound(
  res: HttpResponse,
  approvalId: string,
  known: readonly string[],
): MoleculeError {
  return new MoleculeNotFoundError(
    `approval ${approvalId} is not pending for this workspace: unknown, already decided, or expired (list the approvals to see its status)`,
    { status: 404, body: redactDeep(res.body, known), code: "approval_not_pending" },
  );
}

/** `POST /workspaces/:id/approvals/:approvalId/decide` with this workspace's own token. */
export async function decideOwnApproval(
  s: PlatformSession,
  approvalId: string,
  decision: ApprovalDecision,
  options: { decidedBy?: string | undefined; signal?: AbortSignal | undefined },
): Promise<{ approvalId: string; status: ApprovalDecision }> {
  const { path, json } = decisionRequest(s.workspaceId, approvalId, decision, options.decidedBy);
  const res = await s.send({ method: "POST", path, json, signal: options.signal });
  if (res.status === 404) throw decisionNotFound(res, approvalId, s.known);
  if (!ok(res.status)) throw await s.selfFail(res, "decideApproval", options.signal);
  const b = s.expect(approvalDecisionSchema, res, "decideApproval");
  return { approvalId: b.approval_id, status: b.status === "approved" ? "approved" : "denied" };
}

/**
 * A tool call a person is asked to approve, as the agent's store keeps it across restarts (see
 * `CursorState.pendingToolCalls`).
 */
export interface PendingToolCallRecord {
  /** The call's key (the framework's call id, e.g. `openai-agents:<callId>`): its approval's key too. */
  key: string;
  /** The inbound message whose turn made the call (`<sender>\n<messageId>`), when it has one. */
  messageKey?: string;
  /** The tool's name, as the person is shown it. */
  tool: string;
  /** The tool's complete input, as the person is shown it (the decision binds to it). */
  input: unknown;
  /** SHA-256 of the approval request asked for the call (what the decision binds to). */
  digest: string;
  /**
   * `pending`: waiting for a decision; `running`: approved and handed to the tool (once, never
   * again: a restart finds it so); `done`: the tool returned; `refused`: denied, expired or not asked.
   */
  status: "pending" | "running" | "done" | "refused";
  /** The framework's resumable run (opaque to the store, e.g. an OpenAI Agents `RunState` string). */
  run?: string;
  /** When it was recorded (ISO 8601). */
  createdAt: string;
}
