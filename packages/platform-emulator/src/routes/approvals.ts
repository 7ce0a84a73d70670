// Human approvals: `POST|GET /workspaces/:id/approvals`, `POST …/approvals/:approvalId/decide`,
// `GET /approvals/pending` with its 10-minute expiry sweep (platform-api-workspace-features.md §2).
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { BindError, isObject, iso, newId, optString, reqString, UUID_ANY_RE } from "../util.js";
import { type ApprovalRow, featureStore, newestFirst } from "./feature-store.js";

/** Pending approvals older than this are denied by `GET /approvals/pending` (no event). */
const APPROVAL_EXPIRY_MS = 10 * 60_000;

/** `POST /workspaces/:id/approvals`: 201, `APPROVAL_REQUESTED` (+ `APPROVAL_ESCALATED` to the parent). */
export async function createApproval(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let action: string, reason: string, taskId: string;
  try {
    action = reqString(b, "action");
    reason = optString(b, "reason");
    taskId = optString(b, "task_id");
    const c = b["context"];
    if (c !== undefined && c !== null && !isObject(c)) throw new BindError("context");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  const ws = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  if (ws === undefined) throw new HttpError(500, { error: "failed to create approval" });
  const row: ApprovalRow = {
    seq: platform.store.nextSeq(),
    id: newId(),
    workspaceId: ws.id,
    taskId,
    action,
    reason,
    context: b["context"] ?? null,
    status: "pending",
    decidedBy: null,
    decidedAt: null,
    createdAt: platform.now(),
  };
  featureStore(platform).approvals.push(row);
  platform.changed();
  platform.emit(ws.id, "APPROVAL_REQUESTED", {
    approval_id: row.id,
    action,
    reason,
    task_id: taskId,
  });
  if (ws.parentId !== null)
    platform.emit(ws.parentId, "APPROVAL_ESCALATED", {
      approval_id: row.id,
      from_workspace_id: ws.id,
      action,
      reason,
    });
  sendJson(ctx, 201, { approval_id: row.id, status: "pending" });
}

/** `GET /workspaces/:id/approvals`: the 50 newest of `:id`, any status. */
export function listApprovals(platform: Platform, ctx: Ctx, id: string): void {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: "query failed" });
  const rows = featureStore(platform)
    .approvals.filter((a) => a.workspaceId === id.toLowerCase())
    .sort(newestFirst)
    .slice(0, 50);
  sendJson(
    ctx,
    200,
    rows.map((a) => ({
      action: a.action,
      created_at: iso(a.createdAt),
      decided_at: a.decidedAt === null ? null : iso(a.decidedAt),
      decided_by: a.decidedBy,
      id: a.id,
      reason: a.reason,
      status: a.status,
      task_id: a.taskId,
    })),
  );
}

/** Decides a pending approval of `workspaceId`: `undefined` when no pending row matches (the route's 404). */
function decideApproval(
  platform: Platform,
  workspaceId: string,
  approvalId: string,
  decision: "approved" | "denied",
  decidedBy = "human",
): ApprovalRow | undefined {
  const row = featureStore(platform).approvals.find(
    (a) => a.id === approvalId && a.workspaceId === workspaceId && a.status === "pending",
  );
  if (row === undefined) return undefined;
  row.status = decision;
  row.decidedBy = decidedBy;
  row.decidedAt = platform.now();
  platform.changed();
  platform.emit(workspaceId, decision === "approved" ? "APPROVAL_APPROVED" : "APPROVAL_DENIED", {
    approval_id: approvalId,
    decision,
    decided_by: decidedBy,
  });
  return row;
}

/** `POST /workspaces/:id/approvals/:approvalId/decide`. */
export async function decide(
  platform: Platform,
  ctx: Ctx,
  id: string,
  approvalId: string,
): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let decision: string, decidedBy: string;
  try {
    decision = reqString(b, "decision");
    decidedBy = optString(b, "decided_by");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (decision !== "approved" && decision !== "denied")
    throw new HttpError(400, { error: "decision must be 'approved' or 'denied'" });
  if (!UUID_ANY_RE.test(approvalId) || !UUID_ANY_RE.test(id))
    throw new HttpError(500, { error: "failed to update" });
  const row = decideApproval(
    platform,
    id.toLowerCase(),
    approvalId.toLowerCase(),
    decision,
    decidedBy === "" ? "human" : decidedBy,
  );
  if (row === undefined)
    throw new HttpError(404, { error: "approval not found or already decided" });
  sendJson(ctx, 200, { status: decision, approval_id: row.id });
}

/** The expiry sweep: pending rows older than 10 minutes become denied by "auto-expired", silently. */
function expireApprovals(platform: Platform): void {
  const now = platform.now();
  for (const a of featureStore(platform).approvals)
    if (a.status === "pending" && a.createdAt < now - APPROVAL_EXPIRY_MS) {
      a.status = "denied";
      a.decidedBy = "auto-expired";
      a.decidedAt = now;
      platform.changed();
    }
}

/**
 * The 50 newest pending approvals platform-wide, after the expiry sweep: what
 * `GET /approvals/pending` lists, and what the canvas page shows with approve and deny.
 */
export function pendingApprovalRows(platform: Platform): ApprovalRow[] {
  expireApprovals(platform);
  return featureStore(platform)
    .approvals.filter((a) => a.status === "pending")
    .sort(newestFirst)
    .slice(0, 50);
}

/** `GET /approvals/pending` (AdminAuth). */
export function listPendingApprovals(platform: Platform, ctx: Ctx): void {
  platform.adminAuth(ctx);
  sendJson(
    ctx,
    200,
    pendingApprovalRows(platform).map((a) => ({
      action: a.action,
      created_at: iso(a.createdAt),
      id: a.id,
      reason: a.reason,
      status: a.status,
      workspace_id: a.workspaceId,
      workspace_name: platform.ws(a.workspaceId)?.name ?? "",
    })),
  );
}
