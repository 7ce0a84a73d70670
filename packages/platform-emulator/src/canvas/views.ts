// What the canvas page sees: a workspace card and one traffic item (an A2A call, a delegation, a
// reply, a notify), built from the store's rows. Texts are bounded; no token ever leaves here.
import { envelopeText } from "../peer-text.js";
import type { ApprovalRow } from "../routes/feature-store.js";
import type { ActivityRow, WorkspaceRow } from "../store.js";
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

/** A traffic item of an activity row, or `undefined` for rows that are not traffic. */
export function trafficView(r: ActivityRow): CanvasTraffic | undefined {
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
  if (r.activity_type === "error" && r.target_id !== null && r.source_id !== null)
    // A caller reporting a message it gave up on (`POST /activity`, e.g. the SDK's dead letter).
    return {
      ...base,
      kind: "message",
      from: r.source_id,
      to: r.target_id,
      outcome: "dead-lettered",
      role: null,
      contextId: null,
      messageId: null,
      traceId: null,
      parentSpanId: null,
      text: bounded(r.summary ?? ""),
      answer: "",
    };
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
