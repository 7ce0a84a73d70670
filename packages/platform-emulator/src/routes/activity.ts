// Activity: list (with `since_id` cursors on compat "latest"; 2026-08's rules and ack), report,
// and `notify`.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { type ActivityRow, Store } from "../store.js";
import { isObject, optInt, optString, parseRfc3339Ms, reqString, UUID_ANY_RE } from "../util.js";

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
  if (platform.august) return listActivityAugust(platform, ctx, id, rows);
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
    const t = parseRfc3339Ms(beforeTs);
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

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
/** `since_secs` is capped at 30 days (`maxSinceSecs`). */
const MAX_SINCE_SECS = 30 * 24 * 60 * 60;

/**
 * `GET /workspaces/:id/activity` on 2026-08 (`activity.go` 309-666 at enteros-core aeec8e47): the
 * checks in the server's order (`peer_id` a UUID, `before_ts` RFC3339, `since_secs` a positive
 * integer capped at 30 days, the `since_id` cursor, then `source`); with `since_id` the rows
 * strictly after the cursor oldest first, without it NEWEST first (`since_secs` only filters);
 * `peer_id` matches the sender or the target; rows carry `seq`; `?include=peer_info` adds
 * `peer_name`, `peer_role` (the sender's row, when set), `agent_card_url` (when there is a sender)
 * and `attachments` (when the request body has any).
 */
function listActivityAugust(platform: Platform, ctx: Ctx, id: string, rows: ActivityRow[]): void {
  const q = ctx.query;
  const type = q.get("type") ?? "";
  const source = q.get("source") ?? "";
  const peerId = q.get("peer_id") ?? "";
  const sinceSecsRaw = q.get("since_secs") ?? "";
  const sinceId = q.get("since_id") ?? "";
  const beforeRaw = q.get("before_ts") ?? "";
  const peerInfo = (q.get("include") ?? "").split(",").some((f) => f.trim() === "peer_info");
  if (peerId !== "" && !UUID_ANY_RE.test(peerId))
    throw new HttpError(400, { error: "peer_id must be a UUID" });
  let before = Infinity;
  if (beforeRaw !== "") {
    before = RFC3339.test(beforeRaw) ? parseRfc3339Ms(beforeRaw) : Number.NaN;
    if (Number.isNaN(before))
      throw new HttpError(400, {
        error: "before_ts must be an RFC3339 timestamp (e.g. 2026-05-01T00:00:00Z)",
      });
  }
  let limit = /^[+-]?\d+$/.test(q.get("limit") ?? "") ? Number(q.get("limit")) : 100;
  if (limit <= 0) limit = 100;
  if (limit > 500) limit = 500;
  let after = -Infinity;
  if (sinceSecsRaw !== "") {
    const n = /^[+-]?\d+$/.test(sinceSecsRaw) ? Number(sinceSecsRaw) : 0;
    if (n <= 0) throw new HttpError(400, { error: "since_secs must be a positive integer" });
    after = platform.now() - Math.min(n, MAX_SINCE_SECS) * 1000;
  }
  let cursor: ActivityRow | undefined;
  if (sinceId !== "") {
    // The lookup binds the value to a uuid column: not a UUID is a query error.
    if (!UUID_ANY_RE.test(sinceId)) throw new HttpError(500, { error: "cursor lookup failed" });
    cursor = platform.store.activityById.get(sinceId.toLowerCase());
    if (cursor === undefined || cursor.workspace_id !== id)
      throw new HttpError(410, {
        error:
          "since_id cursor not found (row may have been pruned or belongs to a different workspace); omit since_id to reset",
      });
  }
  if (source !== "" && source !== "canvas" && source !== "agent")
    throw new HttpError(400, { error: "source must be 'canvas' or 'agent'" });
  const peer = peerId.toLowerCase();
  const keep = (r: ActivityRow): boolean =>
    (type === "" || r.activity_type === type) &&
    (source !== "canvas" || r.source_id === null) &&
    (source !== "agent" || r.source_id !== null) &&
    (peer === "" || r.source_id === peer || r.target_id === peer) &&
    r.created_at < before &&
    r.created_at >= after;
  const base = peerInfo ? `http://${ctx.req.headers.host ?? "localhost"}` : "";
  const out: Record<string, unknown>[] = [];
  const add = (r: ActivityRow): void => {
    const o = platform.activityJson(r);
    if (peerInfo) addPeerInfo(platform, o, r, base);
    out.push(o);
  };
  if (cursor !== undefined) {
    // (created_at, seq) ascending, strictly after the cursor: the store's order.
    for (let i = Store.firstAfter(rows, cursor.seq); i < rows.length && out.length < limit; i++)
      if (keep(rows[i] as ActivityRow)) add(rows[i] as ActivityRow);
  } else {
    for (let i = rows.length - 1; i >= 0 && out.length < limit; i--)
      if (keep(rows[i] as ActivityRow)) add(rows[i] as ActivityRow);
  }
  sendJson(ctx, 200, out);
}

/** `?include=peer_info`: the sender's name and role, its card URL, and the body's attachments. */
function addPeerInfo(
  platform: Platform,
  o: Record<string, unknown>,
  r: ActivityRow,
  base: string,
): void {
  const peer = r.source_id === null ? undefined : platform.ws(r.source_id);
  if (peer !== undefined && peer.name !== "") o["peer_name"] = peer.name;
  if (peer !== undefined && peer.role !== null && peer.role !== "") o["peer_role"] = peer.role;
  if (r.source_id !== null && r.source_id !== "")
    o["agent_card_url"] = `${base}/registry/discover/${r.source_id}`;
  const atts = attachmentsOf(r.request_body);
  if (atts.length > 0) o["attachments"] = atts;
}

/**
 * `extractAttachmentsFromRequestBody` (`activity.go` 115-260): the file, image, audio and video
 * parts of `params.message.parts` (`kind` or `type`; the `file` object or the part itself), else a
 * flat upload manifest at the body's root (`uri` or `file_id`), its kind from the MIME type.
 */
function attachmentsOf(body: unknown): Record<string, unknown>[] {
  if (!isObject(body)) return [];
  const out: Record<string, unknown>[] = [];
  const params = body["params"];
  const message = isObject(params) ? params["message"] : undefined;
  const parts = isObject(message) ? message["parts"] : undefined;
  if (Array.isArray(parts))
    for (const p of parts as unknown[]) {
      if (!isObject(p)) continue;
      const kind = str(p["kind"]) || str(p["type"]);
      if (kind !== "file" && kind !== "image" && kind !== "audio" && kind !== "video") continue;
      const f = isObject(p["file"]) ? p["file"] : p;
      const att = attachment(kind, str(f["uri"]), str(f["mime_type"]), str(f["name"]));
      if (att !== undefined) out.push(att);
    }
  if (out.length > 0) return out;
  const uri = str(body["uri"]);
  if (uri === "" && str(body["file_id"]) === "") return [];
  const mime = str(body["mimeType"]) || str(body["mime_type"]);
  const kind = /^(image|audio|video)\//.exec(mime)?.[1] ?? "file";
  const att = attachment(kind, uri, mime, str(body["name"]));
  return att === undefined ? [] : [att];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function attachment(
  kind: string,
  uri: string,
  mime: string,
  name: string,
): Record<string, unknown> | undefined {
  if (uri === "" && name === "") return undefined;
  const a: Record<string, unknown> = { kind };
  if (uri !== "") a["uri"] = uri;
  if (mime !== "") a["mime_type"] = mime;
  if (name !== "") a["name"] = name;
  return a;
}

/** Each workspace's `inbox_delivery_state.last_acked_seq` (not kept in the state file). */
const ackedSeqs = new WeakMap<Platform, Map<string, number>>();

/**
 * `POST /workspaces/:id/activity/ack {acked_seq}` (2026-08; `activity.go` 975-1031 at aeec8e47):
 * the workspace's acknowledged sequence only moves forward; the answer is the stored value.
 * (The server prunes acknowledged rows after 7 days; the emulator keeps them.)
 */
export async function ackActivity(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const b = await readJsonObject(ctx, "acked_seq is required");
  const v = b["acked_seq"];
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new HttpError(400, { error: "acked_seq is required" });
  if (v < 0) throw new HttpError(400, { error: "acked_seq must be >= 0" });
  let m = ackedSeqs.get(platform);
  if (m === undefined) ackedSeqs.set(platform, (m = new Map()));
  const stored = Math.max(m.get(id) ?? v, v);
  m.set(id, stored);
  sendJson(ctx, 200, { last_acked_seq: stored });
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
  const row = platform.logActivity({
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
  // The server answers once its INSERT committed.
  const committed = platform.whenCommitted(row);
  if (committed !== undefined) await committed;
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
  // 2026-08 (29b4bffb; `activity.go` 870-879, `agent_message_writer.go` at aeec8e47).
  if (platform.august && w.talkToUserEnabled === false)
    throw new HttpError(403, {
      error: "talk_to_user_disabled",
      hint: "This workspace is not allowed to send messages directly to the user. Forward your update to a parent workspace using delegate_task — they may be able to reach the user.",
    });
  const preview = Buffer.from(message).subarray(0, 80).toString("utf8");
  platform.emit(id, "AGENT_MESSAGE", {
    message,
    workspace_id: id,
    name: w.name,
    ...(parts.length > 0 ? { attachments: atts } : {}),
  });
  const row = platform.logActivity({
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
  const committed = platform.whenCommitted(row);
  if (committed !== undefined) await committed;
  sendJson(ctx, 200, { status: "sent" });
}
