// Delegations an agent made itself: `POST /workspaces/:id/delegations/record` and
// `POST /workspaces/:id/delegations/:delegation_id/update` (platform-api-workspace-features.md §4).
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import type { ActivityRow } from "../store.js";
import { newId, optString, reqString, UUID_ANY_RE } from "../util.js";

/** The first `n` bytes of `s` (Go's byte slice), plus "..." when it was longer. */
function bytePreview(s: string, n: number): string {
  const b = Buffer.from(s);
  return b.length > n ? `${b.subarray(0, n).toString("utf8")}...` : s;
}

/**
 * A delegation text cut to `n` bytes as each server cuts it: the 2026-04 one's `truncate` (the
 * first `n` bytes plus "...", `delegation.go` 619-624 at 7cf77f27); latest's `TruncateBytes`
 * (#3016: at most `n` bytes in all, cut at a character boundary, ending in "…";
 * `textutil/truncate.go` 58-72 at 50c3bdfd).
 */
export function delegationPreview(platform: Platform, s: string, n: number): string {
  if (!platform.latest) return bytePreview(s, n);
  const b = Buffer.from(s);
  if (b.length <= n) return s;
  let cut = n - 3; // "…" is 3 bytes
  while (cut > 0 && ((b[cut] as number) & 0xc0) === 0x80) cut--;
  return `${b.subarray(0, cut).toString("utf8")}…`;
}

/** A direct activity INSERT (the handlers bypass `LogActivity`: no `ACTIVITY_LOGGED`). */
export function insertActivity(
  platform: Platform,
  row: Omit<ActivityRow, "seq" | "id" | "created_at">,
): void {
  platform.writeActivity({
    ...row,
    seq: platform.store.nextSeq(),
    id: newId(),
    created_at: platform.now(),
  });
}

/**
 * The delegation result pushed into the delegating workspace's own inbox (RFC #2829, #2832-#2844;
 * `pushDelegationResultToInbox`, `delegation.go` 34-78 at enteros-core 50c3bdfd), only in latest
 * with `delegationResultInboxPush` (the server's `DELEGATION_RESULT_INBOX_PUSH=1`, default off):
 * an `a2a_receive` row with method `delegate_result` whose `source_id` is the workspace itself,
 * `request_body {delegation_id}`, `response_body {text, delegation_id}` (`text` empty on failure),
 * written by a direct INSERT (no `ACTIVITY_LOGGED`). Called where the server calls it: a run of
 * `/delegate` that completed or failed, and `…/delegations/:id/update`.
 */
export function pushDelegationResult(
  platform: Platform,
  sourceId: string,
  delegationId: string,
  outcome: { status: "completed"; text: string } | { status: "failed"; error: string },
): void {
  if (!platform.latest || !platform.s.delegationResultInboxPush) return;
  if (platform.ws(sourceId) === undefined) return;
  const failed = outcome.status === "failed";
  insertActivity(platform, {
    workspace_id: sourceId,
    activity_type: "a2a_receive",
    source_id: sourceId,
    target_id: null,
    method: "delegate_result",
    summary: failed ? "Delegation failed" : "Delegation result delivered",
    duration_ms: null,
    status: failed ? "error" : "ok",
    error_detail: failed && outcome.error !== "" ? outcome.error : null,
    request_body: { delegation_id: delegationId },
    response_body: { text: failed ? "" : outcome.text, delegation_id: delegationId },
  });
}

/** `POST /workspaces/:id/delegations/record`: 202 (no de-dup), `DELEGATION_SENT`. */
export async function recordDelegation(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let targetId: string, task: string, delegationId: string;
  try {
    targetId = reqString(b, "target_id");
    task = reqString(b, "task");
    delegationId = reqString(b, "delegation_id");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (!UUID_ANY_RE.test(targetId))
    throw new HttpError(400, { error: "target_id must be a valid UUID" });
  const ws = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  if (ws === undefined) throw new HttpError(500, { error: "failed to record delegation" });
  targetId = targetId.toLowerCase();
  insertActivity(platform, {
    workspace_id: ws.id,
    activity_type: "delegation",
    source_id: ws.id,
    target_id: targetId,
    method: "delegate",
    summary: `Delegating to ${targetId}`,
    duration_ms: null,
    status: "dispatched",
    error_detail: null,
    request_body: { task, delegation_id: delegationId },
    // 2026-08: `response_body {delegation_id}` too (mc#984, `Record` at aeec8e47; recorded as the
    // row's `response_preview` in `GET /workspaces/C1/delegations (C1 token)`).
    ...(platform.august ? { response_body: { delegation_id: delegationId } } : {}),
    delegationId,
  });
  platform.emit(ws.id, "DELEGATION_SENT", {
    delegation_id: delegationId,
    target_id: targetId,
    task_preview: delegationPreview(platform, task, 100),
  });
  sendJson(ctx, 202, { delegation_id: delegationId, status: "recorded" });
}

/** `POST /workspaces/:id/delegations/:delegation_id/update`: `completed` | `failed`, always 200. */
export async function updateDelegation(
  platform: Platform,
  ctx: Ctx,
  id: string,
  delegationId: string,
): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let status: string, error: string, preview: string;
  try {
    status = reqString(b, "status");
    error = optString(b, "error");
    preview = optString(b, "response_preview");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (status !== "completed" && status !== "failed")
    throw new HttpError(400, {
      // 2026-08: the text is derived from `DelegationTerminalStates` (delegation.go UpdateStatus, #4314).
      error: platform.august
        ? "status must be one of: completed, failed"
        : "status must be 'completed' or 'failed'",
    });
  const wsId = id.toLowerCase();
  for (const r of platform.store.activity.get(wsId) ?? [])
    if (r.method === "delegate" && r.delegationId === delegationId) {
      r.status = status;
      if (error !== "") r.error_detail = error;
      platform.changed();
    }
  if (status === "completed") {
    if (platform.ws(wsId) !== undefined)
      insertActivity(platform, {
        workspace_id: wsId,
        activity_type: "delegation",
        source_id: wsId,
        target_id: null,
        method: "delegate_result",
        summary: `Delegation completed (${delegationPreview(platform, preview, 80)})`,
        duration_ms: null,
        status: "completed",
        error_detail: null,
        response_body: { text: preview, delegation_id: delegationId },
        delegationId,
      });
    platform.emit(wsId, "DELEGATION_COMPLETE", {
      delegation_id: delegationId,
      response_preview: delegationPreview(platform, preview, 200),
    });
    pushDelegationResult(platform, wsId, delegationId, { status, text: preview });
  } else {
    // 2026-08 writes the failed `delegate_result` row too (`UpdateStatus` "MUST-FIX 4" at aeec8e47;
    // recorded: `Delegation failed (peer refused)` in `GET /workspaces/C1/delegations (C1 token)`).
    if (platform.august && platform.ws(wsId) !== undefined)
      insertActivity(platform, {
        workspace_id: wsId,
        activity_type: "delegation",
        source_id: wsId,
        target_id: null,
        method: "delegate_result",
        summary: `Delegation failed (${delegationPreview(platform, error, 80)})`,
        duration_ms: null,
        status: "failed",
        error_detail: error,
        response_body: { error, delegation_id: delegationId },
        delegationId,
      });
    platform.emit(wsId, "DELEGATION_FAILED", { delegation_id: delegationId, error });
    pushDelegationResult(platform, wsId, delegationId, { status, error });
  }
  sendJson(ctx, 200, { delegation_id: delegationId, status }); // gin.H: keys sorted
}
