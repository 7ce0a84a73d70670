// v1.0 proto-JSON -> v0.3 conversion of what a peer answers (tasks, messages, statuses, artifacts,
// stream events): the client side reads every peer in the v0.3 shapes the rest of the SDK uses.
// A value already in v0.3 shape (it has `kind`) is kept as it is.
import { normalizeArtifact, normalizeParts, STATE_FROM_V1 } from "./outbound.js";
import type { A2AArtifact, A2AMessage, A2ATask, A2ATaskState } from "./types.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A task state in either dialect, as v0.3 names it (`"unknown"` for anything else). */
function stateFromV1(state: unknown): A2ATaskState {
  if (typeof state !== "string") return "unknown";
  const v03 = STATE_FROM_V1[state] ?? state;
  return v03 in REVERSE ? (v03 as A2ATaskState) : "unknown";
}
const REVERSE = Object.fromEntries(Object.values(STATE_FROM_V1).map((s) => [s, true]));

/** A message of either dialect as v0.3. */
export function messageFromV1(raw: unknown): A2AMessage {
  const m = isObj(raw) ? raw : {};
  const role = m["role"] === "ROLE_AGENT" || m["role"] === "agent" ? "agent" : "user";
  const out: A2AMessage = {
    kind: "message",
    messageId: str(m["messageId"]) ?? "",
    role,
    parts: normalizeParts(m["parts"]),
  };
  const contextId = str(m["contextId"]);
  if (contextId !== undefined) out.contextId = contextId;
  const taskId = str(m["taskId"]);
  if (taskId !== undefined) out.taskId = taskId;
  if (Array.isArray(m["referenceTaskIds"]))
    out.referenceTaskIds = m["referenceTaskIds"] as string[];
  if (Array.isArray(m["extensions"])) out.extensions = m["extensions"] as string[];
  if (isObj(m["metadata"])) out.metadata = m["metadata"];
  return out;
}

/** A status of either dialect as v0.3. */
function statusFromV1(raw: unknown): A2ATask["status"] {
  const s = isObj(raw) ? raw : {};
  const out: A2ATask["status"] = { state: stateFromV1(s["state"]) };
  if (isObj(s["message"])) out.message = messageFromV1(s["message"]);
  const timestamp = str(s["timestamp"]);
  if (timestamp !== undefined) out.timestamp = timestamp;
  return out;
}

/** An artifact of either dialect as v0.3. */
const artifactFromV1: (raw: unknown) => A2AArtifact = normalizeArtifact;

/** A task of either dialect as v0.3. */
export function taskFromV1(raw: unknown): A2ATask {
  const t = isObj(raw) ? raw : {};
  const out: A2ATask = {
    kind: "task",
    id: str(t["id"]) ?? "",
    contextId: str(t["contextId"]) ?? "",
    status: statusFromV1(t["status"]),
  };
  if (Array.isArray(t["artifacts"])) out.artifacts = t["artifacts"].map(artifactFromV1);
  if (Array.isArray(t["history"])) out.history = t["history"].map(messageFromV1);
  if (isObj(t["metadata"])) out.metadata = t["metadata"];
  return out;
}

/**
 * One event of a peer's stream, as v0.3 shapes it: the task or a message (the first event), a
 * status update (`final` when the task stopped: terminal, or waiting for input or auth) or an
 * artifact update.
 */
export type A2AStreamEvent =
  | { kind: "task"; task: A2ATask }
  | { kind: "message"; message: A2AMessage }
  | {
      kind: "status-update";
      taskId: string;
      contextId: string;
      status: A2ATask["status"];
      final: boolean;
    }
  | {
      kind: "artifact-update";
      taskId: string;
      contextId: string;
      artifact: A2AArtifact;
      append: boolean;
      lastChunk: boolean;
    };

const STOPPED = new Set([
  "completed",
  "canceled",
  "failed",
  "rejected",
  "input-required",
  "auth-required",
]);

/** A stream event of either dialect (a v0.3 `kind` object or a v1.0 `StreamResponse`), if it is one. */
export function streamEventOf(raw: unknown): A2AStreamEvent | undefined {
  if (!isObj(raw)) return undefined;
  const kind = raw["kind"];
  const status = raw["statusUpdate"] ?? (kind === "status-update" ? raw : undefined);
  const artifact = raw["artifactUpdate"] ?? (kind === "artifact-update" ? raw : undefined);
  if (isObj(raw["task"]) || kind === "task") {
    return { kind: "task", task: taskFromV1(kind === "task" ? raw : raw["task"]) };
  }
  if (isObj(raw["message"]) || kind === "message") {
    return { kind: "message", message: messageFromV1(kind === "message" ? raw : raw["message"]) };
  }
  if (isObj(status)) {
    const s = statusFromV1(status["status"]);
    const final = typeof status["final"] === "boolean" ? status["final"] : STOPPED.has(s.state);
    const ids = { taskId: str(status["taskId"]) ?? "", contextId: str(status["contextId"]) ?? "" };
    return { kind: "status-update", ...ids, status: s, final };
  }
  if (isObj(artifact)) {
    return {
      kind: "artifact-update",
      taskId: str(artifact["taskId"]) ?? "",
      contextId: str(artifact["contextId"]) ?? "",
      artifact: artifactFromV1(artifact["artifact"]),
      append: artifact["append"] === true,
      lastChunk: artifact["lastChunk"] === true,
    };
  }
  return undefined;
}
