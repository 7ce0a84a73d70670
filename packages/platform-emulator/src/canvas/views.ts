// What the canvas page sees: a workspace card and one traffic item (an A2A call, a delegation, a
// reply, a notify), built from the store's rows. Texts are bounded; no token ever leaves here.
import { envelopeText } from "../peer-text.js";
import type { ApprovalRow } from "../routes/feature-store.js";
import type { ActivityRow, Store, WorkspaceRow } from "../store.js";
import { isObject } from "../util.js";
import type { CanvasApproval, CanvasTraffic, CanvasWorkspace, Outcome } from "./wire.js";

/** Longest text of one traffic item sent to the page (the rest is cut, marked with "…"). */
const MAX_TEXT = 2_000;
/** Longest sender-chosen id (contextId, messageId) kept; a longer one is dropped. */
const MAX_ID = 256;

function bounded(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

function id(v: unknown): string | null {
  return typeof v === "string" && v !== "" && v.length <= MAX_ID ? v : null;
}

/** The card of a workspace row. */
export function workspaceView(w: WorkspaceRow): CanvasWorkspace {
  return {
    id: w.id,
    name: w.name,
    role: w.role,
    status: w.status,
    parentId: w.parentId,
    remote: w.runtime === "external",
    delivery: w.deliveryMode,
    hasUrl: w.url !== "",
    lastHeartbeatAt: w.lastHeartbeatAt,
    activeTasks: w.activeTasks,
    currentTask: bounded(w.currentTask),
  };
}

/** A pending approval as the page lists it (its texts bounded). */
export function approvalView(a: ApprovalRow): CanvasApproval {
  return {
    id: a.id,
    workspaceId: a.workspaceId,
    action: bounded(a.action),
    reason: bounded(a.reason),
    taskId: bounded(a.taskId),
    createdAt: a.createdAt,
  };
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  let out = "";
  for (const p of parts)
    if (
      isObject(p) &&
      (p["kind"] ?? p["type"] ?? "text") === "text" &&
      typeof p["text"] === "string"
    )
      out += p["text"];
  return out;
}

/** The text of an agent's JSON-RPC answer: a string result, a message's parts, a task's artifacts or status message. */
function answerText(body: unknown): string {
  if (!isObject(body)) return typeof body === "string" ? body : "";
  const r = body["result"];
  if (typeof r === "string") return r;
  if (typeof body["text"] === "string") return body["text"]; // a delegation result row
  if (!isObject(r)) return isObject(body["error"]) ? String(body["error"]["message"] ?? "") : "";
  let out = partsText(r["parts"]);
  if (Array.isArray(r["artifacts"]))
    for (const a of r["artifacts"]) if (isObject(a)) out += partsText(a["parts"]);
  if (out === "" && isObject(r["status"]) && isObject(r["status"]["message"]))
    out = partsText(r["status"]["message"]["parts"]);
  return out;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Rows looked through (newest first) for the message a dead-letter report names by `message_id`. */
const DEAD_LETTER_SCAN = 1_000;

/**
 * The message a dead-letter report names, when `report` is one: an `activity_type: "error"` row
 * the workspace reported about itself (`POST /workspaces/:id/activity`, as the SDK does when it
 * gives up on an inbound message) with `request_body.dead_letter` naming the message by its
 * activity id (polled) or its A2A `messageId` (pushed). Only a message the reporting workspace
 * received (an `a2a_receive` row of its own) is found: a workspace marks only its own inbox.
 */
export function deadLetterTarget(store: Store, report: ActivityRow): ActivityRow | undefined {
  if (report.activity_type !== "error" || !isObject(report.request_body)) return undefined;
  const d = report.request_body["dead_letter"];
  if (!isObject(d)) return undefined;
  const own = (r: ActivityRow | undefined) =>
    r !== undefined && r.workspace_id === report.workspace_id && r.activity_type === "a2a_receive";
  const activityId = id(d["activity_id"]);
  if (activityId !== null) {
    const r = store.activityById.get(activityId);
    if (own(r)) return r;
  }
  const messageId = id(d["message_id"]);
  if (messageId === null) return undefined;
  const list = store.activity.get(report.workspace_id) ?? [];
  for (let i = list.length - 1, n = 0; i >= 0 && n < DEAD_LETTER_SCAN; i--, n++) {
    const r = list[i] as ActivityRow;
    if (!own(r) || !isObject(r.request_body)) continue;
    const params = r.request_body["params"];
    const msg = isObject(params) ? params["message"] : undefined;
    if (isObject(msg) && msg["messageId"] === messageId) return r;
  }
  return undefined;
}

/**
 * A traffic item of an activity row, or `undefined` for rows that are not traffic. `deadLetter`:
 * the receiver's report that it gave up on this message (see {@link deadLetterTarget}).
 */
export function trafficView(r: ActivityRow, deadLetter?: ActivityRow): CanvasTraffic | undefined {
  const t = baseView(r);
  if (t === undefined || deadLetter === undefined) return t;
  t.outcome = "dead-lettered";
  t.error = bounded(
    deadLetter.error_detail ?? deadLetter.summary ?? "dead-lettered by its receiver",
  );
  return t;
}

function baseView(r: ActivityRow): CanvasTraffic | undefined {
  const base = {
    id: r.id,
    seq: r.seq,
    method: r.method,
    latencyMs: r.duration_ms,
    at: r.created_at,
    error: r.error_detail === null ? null : bounded(r.error_detail),
  };
  if (r.activity_type === "delegation") {
    if (r.target_id === null) return undefined;
    const req = isObject(r.request_body) ? r.request_body : {};
    const result = r.method === "delegate_result";
    return {
      ...base,
      kind: result ? "reply" : "delegation",
      from: result ? r.target_id : r.workspace_id,
      to: result ? r.workspace_id : r.target_id,
      outcome: outcomeOf(r.status),
      role: result ? "agent" : "user",
      contextId: id(r.delegationId),
      messageId: id(r.delegationId),
      traceId: null,
      parentSpanId: null,
      text: result ? bounded(answerText(r.response_body)) : bounded(String(req["task"] ?? "")),
      answer: "",
    };
  }
  if (r.activity_type !== "a2a_receive") return undefined;
  if (r.method === "notify")
    return {
      ...base,
      kind: "notify",
      from: r.workspace_id,
      to: r.workspace_id,
      outcome: "sent",
      role: "agent",
      contextId: null,
      messageId: null,
      traceId: null,
      parentSpanId: null,
      text: bounded(answerText(r.response_body)),
      answer: "",
    };
  const env = isObject(r.request_body) ? r.request_body : {};
  const params = isObject(env["params"]) ? env["params"] : {};
  const msg = isObject(params["message"]) ? params["message"] : {};
  const md = isObject(msg["metadata"]) ? msg["metadata"] : {};
  const tp = typeof md["traceparent"] === "string" ? TRACEPARENT.exec(md["traceparent"]) : null;
  const role = typeof msg["role"] === "string" ? msg["role"].slice(0, 32) : null;
  const answered = r.response_body !== undefined;
  return {
    ...base,
    kind: role === "agent" ? "reply" : "message",
    from: r.source_id,
    to: r.workspace_id,
    outcome: r.status === "error" ? "failed" : answered ? "completed" : "queued",
    role,
    contextId: id(msg["contextId"]) ?? id(md["delegation_id"]),
    messageId: id(msg["messageId"]),
    traceId: tp?.[1] ?? null,
    parentSpanId: tp?.[2] ?? null,
    text: bounded(envelopeText(env)),
    answer: answered ? bounded(answerText(r.response_body)) : "",
  };
}

function outcomeOf(status: string): Outcome {
  switch (status) {
    case "completed":
    case "queued":
    case "failed":
    case "pending":
    case "dispatched":
      return status;
    default:
      return status === "error" ? "failed" : "completed";
  }
}
