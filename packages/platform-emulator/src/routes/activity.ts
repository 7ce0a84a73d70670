// Activity: list (with `since_id` cursors on compat "latest"), report, and `notify`.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { type ActivityRow, Store } from "../store.js";
import { isObject, optInt, optString, reqString } from "../util.js";

const ACTIVITY_TYPES = [
  "a2a_send",
  "a2a_receive",
  "task_update",
  "agent_log",
  "skill_promotion",
  "memory_write",
  "error",
];

/** `GET /workspaces/:id/activity`. */
export function listActivity(platform: Platform, ctx: Ctx, id: string): void {
  const q = ctx.query;
  const type = q.get("type");
  const source = q.get("source");
  if (source !== null && source !== "" && source !== "canvas" && source !== "agent")
    throw new HttpError(400, { error: "source must be 'canvas' or 'agent'" });
  let limit = Number.parseInt(q.get("limit") ?? "", 10);
  if (!Number.isFinite(limit) || limit <= 0) limit = 100;
  if (limit > 500) limit = 500;
  const rows = platform.store.activity.get(id) ?? [];
  const keep = (r: ActivityRow): boolean =>
    (type === null || type === "" || r.activity_type === type) &&
    (source !== "canvas" || r.source_id === null) &&
    (source !== "agent" || r.source_id !== null);
  if (!platform.latest) {
    const out: Record<string, unknown>[] = [];
    for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
      const r = rows[i] as ActivityRow;
      if (keep(r)) out.push(platform.activityJson(r));
    }
    return sendJson(ctx, 200, out);
  }
  const sinceId = q.get("since_id");
  const sinceSecs = q.get("since_secs");
  const peerId = q.get("peer_id");
  const beforeTs = q.get("before_ts");
  let startSeq = -1;
  if (sinceId !== null && sinceId !== "") {
    const cur = platform.store.activityById.get(sinceId.toLowerCase());
    if (cur === undefined || cur.workspace_id !== id)
      throw new HttpError(410, {
        error: "since_id cursor not found (unknown or pruned); re-seed with since_secs",
        since_id: sinceId,
      });
    startSeq = cur.seq;
  }
  let after = -Infinity;
  if (sinceSecs !== null && sinceSecs !== "") {
    const n = Number(sinceSecs);
    if (!Number.isInteger(n) || n < 0)
      throw new HttpError(400, { error: "since_secs must be a non-negative integer" });
    after = platform.now() - n * 1000;
  }
  let before = Infinity;
  if (beforeTs !== null && beforeTs !== "") {
    const t = Date.parse(beforeTs);
    if (Number.isNaN(t))
      throw new HttpError(400, { error: "before_ts must be an RFC3339 timestamp" });
    before = t;
  }
  const keep2 = (r: ActivityRow): boolean =>
    keep(r) &&
    r.seq > startSeq &&
    r.created_at >= after &&
    r.created_at < before &&
    (peerId === null ||
      peerId === "" ||
      r.source_id === peerId ||
      (r.source_id === id && r.target_id === peerId));
  const out: Record<string, unknown>[] = [];
  if (startSeq >= 0 || after !== -Infinity) {
    // cursor / window: oldest first, strictly after the cursor
    for (let i = Store.firstAfter(rows, startSeq); i < rows.length && out.length < limit; i++) {
      const r = rows[i] as ActivityRow;
      if (keep2(r)) out.push(platform.activityJson(r));
    }
  } else {
    for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
      const r = rows[i] as ActivityRow;
      if (keep2(r)) out.push(platform.activityJson(r));
    }
  }
  sendJson(ctx, 200, out);
}

/** `POST /workspaces/:id/activity`. */
export async function reportActivity(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let type: string, method: string, summary: string, target: string, source: string, status: string;
  let errorDetail: string, duration: number | null;
  try {
    type = reqString(b, "activity_type");
    method = optString(b, "method");
    summary = optString(b, "summary");
    target = optString(b, "target_id");
    source = optString(b, "source_id");
    status = optString(b, "status", "ok") || "ok";
    errorDetail = optString(b, "error_detail");
    duration =
      b["duration_ms"] === undefined || b["duration_ms"] === null ? null : optInt(b, "duration_ms");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (!ACTIVITY_TYPES.includes(type))
    throw new HttpError(400, {
      error: `invalid activity_type, must be one of: ${ACTIVITY_TYPES.join(", ")}`,
    });
  if (source !== "" && source !== id)
    throw new HttpError(403, { error: "source_id must match authenticated workspace" });
  const reqBody = b["request_body"] ?? b["metadata"];
  platform.logActivity({
    workspace_id: id,
    activity_type: type,
    source_id: source === "" ? null : source,
    target_id: target === "" ? null : target,
    method: method === "" ? null : method,
    summary: summary === "" ? null : summary,
    duration_ms: duration,
    status,
    error_detail: errorDetail === "" ? null : errorDetail,
    ...(reqBody !== undefined && reqBody !== null ? { request_body: reqBody } : {}),
    ...(b["response_body"] !== undefined && b["response_body"] !== null
      ? { response_body: b["response_body"] }
      : {}),
  });
  sendJson(ctx, 200, { status: "logged" });
}

/** `POST /workspaces/:id/notify`: a message to the canvas user. */
export async function notify(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const b = await readJsonObject(ctx, "message is required");
  const message = b["message"];
  if (typeof message !== "string" || message === "")
    throw new HttpError(400, { error: "message is required" });
  const atts = b["attachments"];
  const parts: Record<string, unknown>[] = [];
  if (atts !== undefined && atts !== null) {
    if (!Array.isArray(atts)) throw new HttpError(400, { error: "message is required" });
    for (let i = 0; i < atts.length; i++) {
      const a = atts[i] as unknown;
      if (
        !isObject(a) ||
        typeof a["uri"] !== "string" ||
        a["uri"] === "" ||
        typeof a["name"] !== "string" ||
        a["name"] === ""
      )
        throw new HttpError(400, { error: `attachment[${i}]: uri and name are required` });
      const file: Record<string, unknown> = { uri: a["uri"], name: a["name"] };
      if (typeof a["mimeType"] === "string") file["mimeType"] = a["mimeType"];
      if (typeof a["size"] === "number") file["size"] = a["size"];
      parts.push({ kind: "file", file });
    }
  }
  const w = platform.ws(id);
  if (w === undefined || w.status === "removed")
    throw new HttpError(404, { error: "workspace not found" });
  const preview = Buffer.from(message).subarray(0, 80).toString("utf8");
  platform.emit(id, "AGENT_MESSAGE", {
    message,
    workspace_id: id,
    name: w.name,
    ...(parts.length > 0 ? { attachments: atts } : {}),
  });
  platform.logActivity({
    workspace_id: id,
    activity_type: "a2a_receive",
    source_id: null,
    target_id: null,
    method: "notify",
    summary: `Agent message: ${preview}${Buffer.byteLength(message) > 80 ? "…" : ""}`,
    duration_ms: null,
    status: "ok",
    error_detail: null,
    response_body: parts.length > 0 ? { result: message, parts } : { result: message },
  });
  sendJson(ctx, 200, { status: "sent" });
}
