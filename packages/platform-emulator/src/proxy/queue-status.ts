// `GET /workspaces/:id/a2a/queue/:queue_id`: the fate of a call the proxy queued for a busy target
// (latest only: molecule-core #2333, RFC #2331 Tier 1; `a2a_queue_status.go` at enteros-core
// 50c3bdfd, outside every auth middleware: `router.go` 171).
import { type Ctx, HttpError, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import type { ActivityRow, QueueRow } from "../store.js";
import { isObject, jsonbText, UUID_ANY_RE } from "../util.js";

const NOT_FOUND = { error: "queue item not found" };

/**
 * A time as Postgres prints a `timestamptz` cast to text in a UTC session (`2026-05-01
 * 12:00:00.123+00`): the handler selects `enqueued_at::text` and friends, not RFC 3339.
 */
function pgText(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-05-01T12:00:00.123Z
  const fraction = iso.slice(19, 23).replace(/\.?0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}+00`;
}

/** The delegation id a queued call's message names (`params.message.metadata.delegation_id`). */
function delegationIdOf(q: QueueRow): string | undefined {
  const params = q.envelope["params"];
  const message = isObject(params) ? params["message"] : undefined;
  const md = isObject(message) ? message["metadata"] : undefined;
  return isObject(md) && typeof md["delegation_id"] === "string" ? md["delegation_id"] : undefined;
}

/**
 * The `response_body` the handler joins in (`QueueStatusByID`, `a2a_queue_status.go` 79-142): the
 * caller's `delegate_result` row for this target and delegation, as jsonb text; the Go `[]byte`
 * field marshals it as base64. Only on a completed item.
 */
function responseBody(platform: Platform, q: QueueRow): string | undefined {
  const did = delegationIdOf(q);
  if (q.status !== "completed" || did === undefined || q.callerId === null) return undefined;
  const row = (platform.store.activity.get(q.callerId) ?? []).find(
    (r: ActivityRow) =>
      r.method === "delegate_result" &&
      r.target_id === q.workspaceId &&
      isObject(r.response_body) &&
      r.response_body["delegation_id"] === did,
  );
  if (row === undefined) return undefined;
  return Buffer.from(jsonbText(row.response_body)).toString("base64");
}

/**
 * `GET /workspaces/:id/a2a/queue/:queue_id` (`GetA2AQueueStatus`, `a2a_queue_status.go` 173-231):
 * `:id` is ignored. The caller is the `X-Workspace-ID` header, taken as sent (the handler checks no
 * token against it), else the workspace of the bearer; only the item's caller or its target may
 * read it, and every refusal is the same `404 queue item not found`, also with no identity at all
 * (no 401, no 403: the queue id itself is the secret). No org tokens exist in the emulator, and
 * this route sees none on the server either (it runs outside the middleware that marks them), so
 * the admin token alone reads nothing.
 */
export function queueStatus(platform: Platform, ctx: Ctx, queueId: string): void {
  if (queueId === "") throw new HttpError(400, { error: "queue_id required" });
  const header = ctx.req.headers["x-workspace-id"];
  const caller =
    (typeof header === "string" && header !== "" ? header : undefined) ??
    platform.bearerWorkspace(ctx);
  if (caller === undefined) return sendJson(ctx, 404, NOT_FOUND);
  // `a2a_queue.id` is a uuid column: another id fails the query (500), it matches no row.
  if (!UUID_ANY_RE.test(queueId)) throw new HttpError(500, { error: "lookup failed" });
  const q = platform.store.queue.find((x) => x.id === queueId.toLowerCase());
  if (q === undefined || (caller !== q.callerId && caller !== q.workspaceId))
    return sendJson(ctx, 404, NOT_FOUND);
  const out: Record<string, unknown> = {
    queue_id: q.id,
    workspace_id: q.workspaceId,
    status: q.status,
    priority: 50, // PriorityTask: every proxy enqueue (`a2a_queue.go` 72-76)
    attempts: q.attempts,
  };
  if (q.lastError !== undefined && q.lastError !== "") out["last_error"] = q.lastError;
  out["enqueued_at"] = pgText(q.createdAt);
  if (q.dispatchedAt != null) out["dispatched_at"] = pgText(q.dispatchedAt);
  if (q.completedAt != null) out["completed_at"] = pgText(q.completedAt);
  if (q.expiresAt != null) out["expires_at"] = pgText(q.expiresAt);
  const body = responseBody(platform, q);
  if (body !== undefined) out["response_body"] = body;
  sendJson(ctx, 200, out);
}
