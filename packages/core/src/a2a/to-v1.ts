// v0.3 -> v1.0 proto-JSON conversion of messages, parts, statuses, artifacts and tasks: used by
// the push server to answer v1.0 callers and by outbound calls to v1.0 peers.
import type { A2AArtifact, A2AMessage, A2APart, A2ATask, A2ATaskState } from "./types.js";

type Obj = Record<string, unknown>;

/** A v0.3 task state's v1.0 enum name. */
export const V1_STATES: Record<A2ATaskState, string> = {
  submitted: "TASK_STATE_SUBMITTED",
  working: "TASK_STATE_WORKING",
  "input-required": "TASK_STATE_INPUT_REQUIRED",
  completed: "TASK_STATE_COMPLETED",
  canceled: "TASK_STATE_CANCELED",
  failed: "TASK_STATE_FAILED",
  rejected: "TASK_STATE_REJECTED",
  "auth-required": "TASK_STATE_AUTH_REQUIRED",
  unknown: "TASK_STATE_UNSPECIFIED",
};

/** A v0.3 part as v1.0 proto-JSON (`{text}`, `{url|raw, filename, mediaType}`, `{data}`). */
function partToV1(part: A2APart): Obj {
  let out: Obj;
  if (part.kind === "text") out = { text: part.text };
  else if (part.kind === "data") out = { data: part.data };
  else {
    out = part.file.uri !== undefined ? { url: part.file.uri } : { raw: part.file.bytes };
    if (part.file.name !== undefined) out["filename"] = part.file.name;
    if (part.file.mimeType !== undefined) out["mediaType"] = part.file.mimeType;
  }
  if (part.metadata !== undefined) out["metadata"] = part.metadata;
  return out;
}

/** A v0.3 message as v1.0 proto-JSON (`ROLE_*`, no `kind`). */
export function messageToV1(m: A2AMessage): Obj {
  const out: Obj = {
    messageId: m.messageId,
    role: m.role === "agent" ? "ROLE_AGENT" : "ROLE_USER",
    parts: m.parts.map(partToV1),
  };
  if (m.contextId !== undefined) out["contextId"] = m.contextId;
  if (m.taskId !== undefined) out["taskId"] = m.taskId;
  if (m.referenceTaskIds !== undefined) out["referenceTaskIds"] = m.referenceTaskIds;
  if (m.extensions !== undefined) out["extensions"] = m.extensions;
  if (m.metadata !== undefined) out["metadata"] = m.metadata;
  return out;
}

/** A v0.3 status as v1.0 proto-JSON. */
export function statusToV1(s: A2ATask["status"]): Obj {
  const out: Obj = { state: V1_STATES[s.state] };
  if (s.message !== undefined) out["message"] = messageToV1(s.message);
  if (s.timestamp !== undefined) out["timestamp"] = s.timestamp;
  return out;
}

/** A v0.3 artifact as v1.0 proto-JSON. */
export function artifactToV1(a: A2AArtifact): Obj {
  const out: Obj = { artifactId: a.artifactId, parts: a.parts.map(partToV1) };
  if (a.name !== undefined) out["name"] = a.name;
  if (a.description !== undefined) out["description"] = a.description;
  if (a.metadata !== undefined) out["metadata"] = a.metadata;
  return out;
}

/** A v0.3 task as v1.0 proto-JSON (`TASK_STATE_*`, no `kind`). */
export function taskToV1(t: A2ATask): Obj {
  const out: Obj = { id: t.id, contextId: t.contextId, status: statusToV1(t.status) };
  if (t.artifacts !== undefined) out["artifacts"] = t.artifacts.map(artifactToV1);
  if (t.history !== undefined) out["history"] = t.history.map(messageToV1);
  if (t.metadata !== undefined) out["metadata"] = t.metadata;
  return out;
}
