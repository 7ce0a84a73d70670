// Delegation: `POST /delegate` (idempotent), the background run, results and `GET /delegations`.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import { BOUNDARY_END, BOUNDARY_START, resultText } from "../peer-text.js";
import type { Platform } from "../platform.js";
import { deliver } from "../proxy/deliver.js";
import type { ActivityRow } from "../store.js";
import { iso, isObject, jsonbText, newId, optString, reqString, UUID_ANY_RE } from "../util.js";
import { delegationPreview, insertActivity, pushDelegationResult } from "./delegation-records.js";

/** `POST /workspaces/:id/delegate`: answers 202 and runs the delegation in the background. */
export async function delegate(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const b = await readJsonObject(ctx, "invalid delegation request");
  let targetId: string, task: string, key: string;
  try {
    targetId = reqString(b, "target_id");
    task = reqString(b, "task");
    key = optString(b, "idempotency_key");
  } catch {
    throw new HttpError(400, { error: "invalid delegation request" });
  }
  if (!UUID_ANY_RE.test(targetId))
    throw new HttpError(400, { error: "target_id must be a valid UUID" });
  const sentTargetId = targetId;
  targetId = targetId.toLowerCase();
  if (targetId === id) throw new HttpError(400, { error: "self-delegation not permitted" });
  if (key !== "") {
    const existing = (platform.store.activity.get(id) ?? []).find(
      (r) => r.idempotencyKey === key && r.method === "delegate",
    );
    if (existing !== undefined) {
      if (existing.status !== "failed")
        return sendJson(ctx, 200, {
          delegation_id: existing.delegationId,
          status: existing.status,
          target_id: existing.target_id,
          idempotent_hit: true,
        });
      platform.store.removeActivity(existing);
    }
  }
  const delegationId = newId();
  // The row as `insertDelegationRow` writes it (`delegation.go` 196-207 at 7cf77f27, 269-271 at
  // 50c3bdfd): the target id as sent, `request_body {task, delegation_id}`; 2026-08 also
  // `response_body {delegation_id}` (mc#984, `insertDelegationRow` at aeec8e47).
  const row = platform.logActivity({
    workspace_id: id,
    activity_type: "delegation",
    source_id: id,
    target_id: targetId,
    method: "delegate",
    summary: `Delegating to ${sentTargetId}`,
    duration_ms: null,
    status: "pending",
    error_detail: null,
    request_body: { task, delegation_id: delegationId },
    ...(platform.august ? { response_body: { delegation_id: delegationId } } : {}),
    ...(key !== "" ? { idempotencyKey: key } : {}),
    delegationId,
  });
  platform.emit(id, "DELEGATION_SENT", { delegation_id: delegationId, target_id: targetId });
  sendJson(ctx, 202, { delegation_id: delegationId, status: "delegated", target_id: targetId });
  platform.track(
    runDelegation(platform, id, targetId, task, delegationId, row).catch(() => undefined),
  );
}

/** The `delegate` activity row of a delegation. */
function delegationRow(platform: Platform, delegationId: string): ActivityRow | undefined {
  for (const r of platform.store.activityById.values())
    if (r.delegationId === delegationId && r.method === "delegate") return r;
  return undefined;
}

/** Updates a delegation row and emits `DELEGATION_STATUS`. */
function setDelegationStatus(
  platform: Platform,
  row: ActivityRow,
  status: string,
  error?: string,
): void {
  row.status = status;
  if (error !== undefined) row.error_detail = error;
  platform.emit(row.workspace_id, "DELEGATION_STATUS", { delegation_id: row.delegationId, status });
  platform.changed();
}

/** Sends the delegated task to the target and records the outcome. */
async function runDelegation(
  platform: Platform,
  sourceId: string,
  targetId: string,
  task: string,
  delegationId: string,
  row: ActivityRow,
): Promise<void> {
  const target = platform.ws(targetId);
  if (target === undefined || !platform.canCommunicate(sourceId, targetId)) {
    failDelegation(
      platform,
      delegationId,
      target === undefined
        ? "workspace not found"
        : "access denied: workspaces cannot communicate per hierarchy rules",
      true,
    );
    return;
  }
  const env: Record<string, unknown> = {
    jsonrpc: "2.0",
    id: delegationId,
    method: "message/send",
    params: {
      message: {
        role: "user",
        messageId: delegationId,
        parts: [{ type: "text", text: task }],
        metadata: { delegation_id: delegationId },
      },
    },
  };
  setDelegationStatus(platform, row, "dispatched");
  const r = await deliver(platform, target, sourceId, env, undefined);
  if (r.status === 202) {
    // `delegation.go` 305-326 at 7cf77f27 (384-389 at 50c3bdfd).
    setDelegationStatus(platform, row, "queued");
    insertActivity(platform, {
      workspace_id: sourceId,
      activity_type: "delegation",
      source_id: sourceId,
      target_id: targetId,
      method: "delegate_result",
      summary: "Delegation queued — target at capacity",
      duration_ms: null,
      status: "queued",
      error_detail: null,
      response_body: { delegation_id: delegationId, queued: true },
      delegationId,
    });
    return;
  }
  if (r.status >= 200 && r.status < 300) {
    finishDelegation(platform, delegationId, r.unwrapped ?? r.body);
    return;
  }
  const err =
    isObject(r.body) && typeof r.body["error"] === "string" ? r.body["error"] : `HTTP ${r.status}`;
  failDelegation(platform, delegationId, err, true);
}

/**
 * Records a delegation result: the `delegate_result` row of `executeDelegation` (`delegation.go`
 * 331-351 at 7cf77f27, 405-430 at 50c3bdfd; the summary is the answer's first 80 bytes, unwrapped),
 * `DELEGATION_COMPLETE`, and in latest with its option the result pushed into the inbox.
 */
export function finishDelegation(platform: Platform, delegationId: string, body: unknown): void {
  const row = delegationRow(platform, delegationId);
  if (row === undefined) return;
  const text = resultText(body);
  const stored = text ?? JSON.stringify(body ?? null);
  setDelegationStatus(platform, row, "completed");
  platform.logActivity({
    workspace_id: row.workspace_id,
    activity_type: "delegation",
    source_id: row.workspace_id,
    target_id: row.target_id,
    method: "delegate_result",
    summary: `Delegation completed (${delegationPreview(platform, stored, 80)})`,
    duration_ms: null,
    status: "completed",
    error_detail: null,
    response_body: {
      text: platform.s.offsec003Wrapping ? `${BOUNDARY_START}\n${stored}\n${BOUNDARY_END}` : stored,
      delegation_id: delegationId,
    },
    delegationId,
  });
  platform.emit(row.workspace_id, "DELEGATION_COMPLETE", {
    delegation_id: delegationId,
    target_id: row.target_id,
    response_preview: delegationPreview(platform, stored, 200),
  });
  pushDelegationResult(platform, row.workspace_id, delegationId, {
    status: "completed",
    text: stored,
  });
}

/**
 * Marks a delegation failed (`DELEGATION_FAILED`). A run of `/delegate` whose call failed (`row`)
 * also writes the `delegate_result` row `"Delegation failed"` with the error (`delegation.go`
 * 278-292 at 7cf77f27, 346-360 at 50c3bdfd), and in latest with its option pushes the failure
 * into the inbox.
 */
export function failDelegation(
  platform: Platform,
  delegationId: string,
  error: string,
  row = false,
): void {
  const d = delegationRow(platform, delegationId);
  if (d === undefined) return;
  setDelegationStatus(platform, d, "failed", error);
  if (row)
    insertActivity(platform, {
      workspace_id: d.workspace_id,
      activity_type: "delegation",
      source_id: d.workspace_id,
      target_id: d.target_id,
      method: "delegate_result",
      summary: "Delegation failed",
      duration_ms: null,
      status: "failed",
      error_detail: error,
      // 2026-08: every delegate_result row names its delegation (`delegationCorrelationJSON`,
      // `finalizeNonDispatchedDelegation` at aeec8e47).
      ...(platform.august ? { response_body: { delegation_id: delegationId } } : {}),
      delegationId,
    });
  platform.emit(d.workspace_id, "DELEGATION_FAILED", { delegation_id: delegationId, error });
  if (row)
    pushDelegationResult(platform, d.workspace_id, delegationId, { status: "failed", error });
}

/**
 * `GET /workspaces/:id/delegations`: the newest 50 delegation rows, as the real server lists them
 * (delegation.go `ListDelegations`): `type` is the row's activity type (`"delegation"`), missing
 * ids are `""`, and `response_preview` is the answer's `text` (else the whole response body as
 * Postgres prints `jsonb`) cut at 300 bytes with `"..."`. 2026-08 adds `direction`: `"sent"` when
 * the row's `source_id` is the listed workspace, else `"received"` (`listDelegationsFromActivityLogs`
 * at aeec8e47; recorded: `GET /workspaces/C1/delegations (C1 token)`).
 */
export function listDelegations(platform: Platform, ctx: Ctx, id: string): void {
  const rows = (platform.store.activity.get(id) ?? []).filter(
    (r) => r.method === "delegate" || r.method === "delegate_result",
  );
  const out: Record<string, unknown>[] = [];
  for (let i = rows.length - 1; i >= 0 && out.length < 50; i--) {
    const r = rows[i] as ActivityRow;
    const o: Record<string, unknown> = {
      id: r.id,
      type: r.activity_type,
      source_id: r.source_id ?? "",
      target_id: r.target_id ?? "",
      summary: r.summary ?? "",
      status: r.status,
      created_at: iso(r.created_at),
    };
    if (platform.august) o["direction"] = r.source_id === id ? "sent" : "received";
    const delegationId = r.delegationId ?? bodyDelegationId(r.request_body, r.response_body);
    if (delegationId !== undefined && delegationId !== "") o["delegation_id"] = delegationId;
    if (r.error_detail !== null && r.error_detail !== "") o["error"] = r.error_detail;
    const preview = responsePreview(platform, r.response_body);
    if (preview !== "") o["response_preview"] = preview;
    out.push(o);
  }
  sendJson(ctx, 200, out);
}

/**
 * The server's `COALESCE(response_body->>'text', response_body::text, '')`, cut at 300 bytes
 * (`delegation.go` 630 at 50c3bdfd: `TruncateBytes` in latest).
 */
function responsePreview(platform: Platform, body: unknown): string {
  if (body === undefined || body === null) return "";
  const text = isObject(body) && typeof body["text"] === "string" ? body["text"] : jsonbText(body);
  return delegationPreview(platform, text, 300);
}

/** The server's `COALESCE(request_body->>'delegation_id', response_body->>'delegation_id')`. */
function bodyDelegationId(request: unknown, response: unknown): string | undefined {
  for (const body of [request, response]) {
    if (isObject(body) && typeof body["delegation_id"] === "string") return body["delegation_id"];
  }
  return undefined;
}
