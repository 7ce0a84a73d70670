// A peer's task operations on the wire, for every binding and dialect a peer may serve: which one
// to use (from its card), the HTTP request of each operation (send, stream, get, list, cancel,
// subscribe), and what it answers read back in the SDK's v0.3 shapes (from-v1.ts). No I/O here:
// platform/peer-tasks.ts sends the requests.
import { randomUUID } from "../runtime/index.js";
import { a2aErrorByReason } from "./error-mappings.js";
import { taskFromV1 } from "./from-v1.js";
import { messageToV1, V1_STATES } from "./to-v1.js";
import type { A2AMessage, A2ATask } from "./types.js";

type Obj = Record<string, unknown>;

/** How to talk to a peer: JSON-RPC in either dialect, or the v1.0 HTTP+JSON binding. */
export type PeerBinding =
  | { binding: "JSONRPC"; version: "0.3" | "1.0" }
  | { binding: "HTTP+JSON"; version: "1.0" };

/** A task operation of a peer. */
export type PeerOp =
  | { op: "send"; message: A2AMessage; background: boolean }
  | { op: "stream"; message: A2AMessage }
  | { op: "get"; taskId: string; historyLength?: number | undefined }
  | { op: "list"; query: PeerTaskQuery }
  | { op: "cancel"; taskId: string }
  | { op: "subscribe"; taskId: string };

/** The filters and page of a peer's task list (v1.0 `ListTasks`). */
export interface PeerTaskQuery {
  contextId?: string | undefined;
  /** A v0.3 state name (`"working"`) or a v1.0 one (`"TASK_STATE_WORKING"`). */
  status?: string | undefined;
  pageSize?: number | undefined;
  pageToken?: string | undefined;
  historyLength?: number | undefined;
  includeArtifacts?: boolean | undefined;
}

/** One HTTP request to a peer, relative to the interface URL. */
export interface PeerRequest {
  method: "GET" | "POST";
  /** Appended to the interface URL (`""` for JSON-RPC). */
  path: string;
  body?: string;
  /** Sent as `A2A-Version` when set. */
  a2aVersion?: "1.0";
  /** An SSE answer is expected. */
  stream: boolean;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The interface to use for a peer from its card: JSON-RPC when the card offers it (in the dialect
 * it names, v0.3 first, as Molecule peers speak it), else HTTP+JSON 1.0 (a peer that serves only
 * that binding), with the URL the card gives for it when it is on the peer's registered origin
 * (else the registered URL: a card cannot send the caller elsewhere). `undefined` for no card.
 */
export function peerInterfaceOf(
  card: unknown,
  registered: string,
): { binding: PeerBinding; url: string } | undefined {
  if (!isObj(card)) return undefined;
  const origin = originOf(registered);
  const sameOrigin = (u: unknown): string | undefined =>
    typeof u === "string" && originOf(u) === origin && origin !== undefined ? u : undefined;
  const ifaces = (
    Array.isArray(card["supportedInterfaces"]) ? card["supportedInterfaces"] : []
  ).filter(isObj);
  const of = (binding: string, v: string) =>
    ifaces.find(
      (i) =>
        String(i["protocolBinding"] ?? "JSONRPC").toUpperCase() === binding &&
        String(i["protocolVersion"] ?? "").startsWith(v),
    );
  const top =
    typeof card["protocolVersion"] === "string" && card["protocolVersion"].startsWith("0.");
  const rpc03 = top ? card : of("JSONRPC", "0.");
  if (rpc03 !== undefined) {
    return {
      binding: { binding: "JSONRPC", version: "0.3" },
      url: sameOrigin(rpc03["url"]) ?? registered,
    };
  }
  const rpc1 = of("JSONRPC", "1.");
  if (rpc1 !== undefined) {
    return {
      binding: { binding: "JSONRPC", version: "1.0" },
      url: sameOrigin(rpc1["url"]) ?? registered,
    };
  }
  const rest = of("HTTP+JSON", "1.");
  if (rest !== undefined) {
    return {
      binding: { binding: "HTTP+JSON", version: "1.0" },
      url: sameOrigin(rest["url"]) ?? registered,
    };
  }
  return undefined;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The request of `op` in `binding`. */
export function peerRequest(b: PeerBinding, op: PeerOp): PeerRequest {
  const v1 = b.version === "1.0";
  if (b.binding === "HTTP+JSON") return restRequest(op);
  const rpc = (method: string, params: Obj, stream = false, version1 = v1): PeerRequest => ({
    method: "POST",
    path: "",
    body: JSON.stringify({ jsonrpc: "2.0", id: randomUUID(), method, params }),
    ...(version1 ? { a2aVersion: "1.0" as const } : {}),
    stream,
  });
  switch (op.op) {
    case "send":
      return v1
        ? rpc("SendMessage", {
            message: messageToV1(op.message),
            configuration: { returnImmediately: op.background },
          })
        : rpc("message/send", { message: op.message, configuration: { blocking: !op.background } });
    case "stream":
      return v1
        ? rpc("SendStreamingMessage", { message: messageToV1(op.message) }, true)
        : rpc("message/stream", { message: op.message }, true);
    case "get":
      return rpc(v1 ? "GetTask" : "tasks/get", { id: op.taskId, historyLength: op.historyLength });
    case "cancel":
      return rpc(v1 ? "CancelTask" : "tasks/cancel", { id: op.taskId });
    case "subscribe":
      return rpc(v1 ? "SubscribeToTask" : "tasks/resubscribe", { id: op.taskId }, true);
    case "list":
      // v0.3 has no task list: always the v1.0 method.
      return rpc("ListTasks", listParams(op.query), false, true);
  }
}

function listParams(q: PeerTaskQuery): Obj {
  const out: Obj = {};
  if (q.contextId !== undefined) out["contextId"] = q.contextId;
  if (q.status !== undefined)
    out["status"] = (V1_STATES as Record<string, string | undefined>)[q.status] ?? q.status;
  if (q.pageSize !== undefined) out["pageSize"] = q.pageSize;
  if (q.pageToken !== undefined) out["pageToken"] = q.pageToken;
  if (q.historyLength !== undefined) out["historyLength"] = q.historyLength;
  if (q.includeArtifacts !== undefined) out["includeArtifacts"] = q.includeArtifacts;
  return out;
}

const id = (taskId: string): string => encodeURIComponent(taskId);

/** An HTTP+JSON POST (v1.0). */
function post(path: string, body: Obj | undefined, stream = false): PeerRequest {
  return {
    method: "POST",
    path,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    a2aVersion: "1.0",
    stream,
  };
}

function restRequest(op: PeerOp): PeerRequest {
  switch (op.op) {
    case "send":
      return post("/message:send", {
        message: messageToV1(op.message),
        configuration: { returnImmediately: op.background },
      });
    case "stream":
      return post("/message:stream", { message: messageToV1(op.message) }, true);
    case "get": {
      const q = op.historyLength === undefined ? "" : `?historyLength=${op.historyLength}`;
      return {
        method: "GET",
        path: `/tasks/${id(op.taskId)}${q}`,
        a2aVersion: "1.0",
        stream: false,
      };
    }
    case "cancel":
      return post(`/tasks/${id(op.taskId)}:cancel`, {});
    case "subscribe":
      return post(`/tasks/${id(op.taskId)}:subscribe`, undefined, true);
    case "list": {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(listParams(op.query))) params.set(k, String(v));
      const q = params.size === 0 ? "" : `?${params}`;
      return { method: "GET", path: `/tasks${q}`, a2aVersion: "1.0", stream: false };
    }
  }
}

/** A peer's error answer: JSON-RPC `{error}` or HTTP+JSON `google.rpc.Status`. */
export interface PeerWireError {
  /** The JSON-RPC code (mapped from the HTTP+JSON ErrorInfo reason when it names one). */
  code: number | undefined;
  message: string;
}

/** The error a peer's answer body names, if it names one (either binding). */
export function peerWireError(body: unknown): PeerWireError | undefined {
  if (!isObj(body) || !isObj(body["error"])) return undefined;
  const e = body["error"];
  const message = typeof e["message"] === "string" ? e["message"] : "";
  if (body["jsonrpc"] !== undefined || (typeof e["code"] === "number" && e["code"] < 0)) {
    return { code: typeof e["code"] === "number" ? e["code"] : undefined, message };
  }
  const details = Array.isArray(e["details"]) ? e["details"].filter(isObj) : [];
  const reason = details.find((d) => d["domain"] === "a2a-protocol.org")?.["reason"];
  const code =
    typeof reason !== "string"
      ? undefined
      : reason === "INVALID_PARAMS"
        ? -32602
        : a2aErrorByReason(reason)?.jsonrpc;
  return { code, message };
}

/** The result of a successful answer (JSON-RPC's `result`, or the HTTP+JSON body). */
export function peerResultOf(b: PeerBinding, body: unknown): unknown {
  return b.binding === "JSONRPC" && isObj(body) ? body["result"] : body;
}

/** A task a peer answered, in any dialect and wrapper (`{task}`, a bare Task), as v0.3. */
export function peerTaskOf(result: unknown): A2ATask | undefined {
  const t = isObj(result) && isObj(result["task"]) ? result["task"] : result;
  return isObj(t) && typeof t["id"] === "string" && isObj(t["status"]) ? taskFromV1(t) : undefined;
}
