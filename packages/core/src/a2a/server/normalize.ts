// Validation and normalisation, to the v0.3 types, of the messages the push server receives (v0.3,
// v1.0 proto-JSON and the Molecule platform's legacy shapes) and of what `onMessage` returns.
// Conversion to v1.0 lives in `../to-v1.ts`.
import type {
  A2AArtifact,
  A2AFilePart,
  A2AMessage,
  A2APart,
  A2ATask,
  A2ATaskState,
} from "../types.js";
import { MoleculeError } from "../../transport/index.js";
import { IN_REPLY_TO_KEY } from "../conversation.js";
import { MAX_ID_LENGTH, MAX_REFERENCE_IDS } from "../limits.js";

type Obj = Record<string, unknown>;

/** A plain object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A validation failure (`invalid_message`): the message says which field is wrong. */
export class ShapeError extends MoleculeError {
  constructor(message: string) {
    super(message, { code: "invalid_message", retryable: false });
  }
}

const ROLES: Record<string, "user" | "agent"> = {
  user: "user",
  agent: "agent",
  assistant: "agent",
  ROLE_USER: "user",
  ROLE_AGENT: "agent",
};

/**
 * Normalises one part. Accepts v0.3 (`kind`), legacy (`type`) and v1.0 (`text` / `url` / `raw` /
 * `data` oneof) spellings. Throws {@link ShapeError} on anything else.
 */
export function normalizePart(raw: unknown, where: string): A2APart {
  if (!isObj(raw)) throw new ShapeError(`${where} must be an object`);
  const kind = raw["kind"] ?? raw["type"];
  const metadata = raw["metadata"];
  if (metadata !== undefined && !isObj(metadata)) {
    throw new ShapeError(`${where}.metadata must be an object`);
  }
  let part: A2APart;
  if (kind === "text" || (kind === undefined && "text" in raw)) {
    const text = raw["text"];
    if (typeof text !== "string") throw new ShapeError(`${where}.text must be a string`);
    part = { kind: "text", text };
  } else if (kind === "file") {
    const file = raw["file"];
    if (!isObj(file)) throw new ShapeError(`${where}.file must be an object`);
    const { uri, bytes, name, mimeType } = file;
    if (typeof uri !== "string" && typeof bytes !== "string") {
      throw new ShapeError(`${where}.file needs a string uri or bytes`);
    }
    if (name !== undefined && typeof name !== "string") {
      throw new ShapeError(`${where}.file.name must be a string`);
    }
    if (mimeType !== undefined && typeof mimeType !== "string") {
      throw new ShapeError(`${where}.file.mimeType must be a string`);
    }
    part = { kind: "file", file: file as A2AFilePart["file"] };
  } else if (kind === "data") {
    const data = raw["data"];
    if (!isObj(data)) throw new ShapeError(`${where}.data must be an object`);
    part = { kind: "data", data };
  } else if (kind === undefined && ("url" in raw || "raw" in raw)) {
    // v1.0 file part: { url | raw (base64), filename?, mediaType? }
    const url = raw["url"];
    const bytes = raw["raw"];
    if (typeof url !== "string" && typeof bytes !== "string") {
      throw new ShapeError(`${where}.url / ${where}.raw must be a string`);
    }
    const file: { uri?: string; bytes?: string; name?: string; mimeType?: string } = {};
    if (typeof url === "string") file.uri = url;
    else file.bytes = bytes as string;
    if (typeof raw["filename"] === "string" && raw["filename"] !== "") file.name = raw["filename"];
    if (typeof raw["mediaType"] === "string" && raw["mediaType"] !== "") {
      file.mimeType = raw["mediaType"];
    }
    part = { kind: "file", file };
  } else if (kind === undefined && "data" in raw) {
    // v1.0 data part: google.protobuf.Value; v0.3 needs an object.
    const data = raw["data"];
    part = { kind: "data", data: isObj(data) ? data : { value: data } };
  } else {
    throw new ShapeError(
      `${where} has an unsupported kind ${JSON.stringify(kind ?? null)}; use "text", "file" or "data"`,
    );
  }
  if (metadata !== undefined) part.metadata = metadata as Obj;
  return part;
}

function normalizeParts(raw: unknown, where: string): A2APart[] {
  if (!Array.isArray(raw)) throw new ShapeError(`${where} must be an array`);
  const parts: A2APart[] = [];
  for (let i = 0; i < raw.length; i++) parts.push(normalizePart(raw[i], `${where}[${i}]`));
  return parts;
}

function optionalString(raw: Obj, key: string, where: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new ShapeError(`${where}.${key} must be a string`);
  return v;
}

/**
 * Normalises an inbound message to v0.3: `kind:"message"`, `kind` on every part, `role` defaulted
 * to `"user"` (and `"assistant"` / `ROLE_AGENT` mapped to `"agent"`). `messageId` is required.
 */
export function normalizeMessage(raw: unknown, where = "params.message"): A2AMessage {
  if (!isObj(raw)) throw new ShapeError(`${where} must be an object`);
  const messageId = raw["messageId"];
  if (typeof messageId !== "string" || messageId === "") {
    throw new ShapeError(`${where}.messageId must be a non-empty string`);
  }
  const roleRaw = raw["role"];
  let role: "user" | "agent" = "user";
  if (
    roleRaw !== undefined &&
    roleRaw !== null &&
    roleRaw !== "" &&
    roleRaw !== "ROLE_UNSPECIFIED"
  ) {
    const mapped = typeof roleRaw === "string" ? ROLES[roleRaw] : undefined;
    if (mapped === undefined) {
      throw new ShapeError(`${where}.role must be "user" or "agent"`);
    }
    role = mapped;
  }
  const message: A2AMessage = {
    kind: "message",
    messageId,
    role,
    parts: normalizeParts(raw["parts"], `${where}.parts`),
  };
  const contextId = optionalString(raw, "contextId", where);
  if (contextId !== undefined) message.contextId = contextId;
  const taskId = optionalString(raw, "taskId", where);
  if (taskId !== undefined) message.taskId = taskId;
  const refs = raw["referenceTaskIds"];
  if (refs !== undefined) {
    if (!Array.isArray(refs) || !refs.every((r) => typeof r === "string")) {
      throw new ShapeError(`${where}.referenceTaskIds must be an array of strings`);
    }
    if (refs.length > 0) message.referenceTaskIds = refs;
  }
  const extensions = raw["extensions"];
  if (extensions !== undefined && extensions !== null) {
    if (!Array.isArray(extensions) || !extensions.every((e) => typeof e === "string")) {
      throw new ShapeError(`${where}.extensions must be an array of strings`);
    }
    if (extensions.length > 32 || extensions.some((e: string) => e.length > 512)) {
      throw new ShapeError(
        `${where}.extensions may name at most 32 URIs of at most 512 characters`,
      );
    }
    if (extensions.length > 0) message.extensions = extensions;
  }
  const metadata = raw["metadata"];
  if (metadata !== undefined && metadata !== null) {
    if (!isObj(metadata)) throw new ShapeError(`${where}.metadata must be an object`);
    message.metadata = metadata;
  }
  return message;
}

/**
 * A message a caller sends names its `role`, as the spec requires (and `@a2a-js/sdk` 1.3 checks in
 * v0.3); the platform's own dialect (parts spelled `type`, as the channel plugin sends them) may
 * leave it out and is read as `user`. Throws {@link ShapeError} otherwise.
 */
export function checkRoleNamed(raw: unknown, where = "params.message"): void {
  if (!isObj(raw)) return;
  const role = raw["role"];
  if (role !== undefined && role !== null && role !== "" && role !== "ROLE_UNSPECIFIED") return;
  const parts = raw["parts"];
  const platform =
    Array.isArray(parts) && parts.some((p) => isObj(p) && p["kind"] === undefined && "type" in p);
  if (!platform) throw new ShapeError(`${where}.role must be "user" or "agent"`);
}

/** A sender-chosen id within {@link MAX_ID_LENGTH} (`where` names the field when it is not). */
export function checkId(value: unknown, where: string): void {
  if (typeof value === "string" && value.length > MAX_ID_LENGTH) {
    throw new ShapeError(`${where} is longer than ${MAX_ID_LENGTH} characters`);
  }
}

/**
 * The bounds of a message a caller sends (docs/security.md, "Bounds"): ids and reply references
 * within {@link MAX_ID_LENGTH}, at most {@link MAX_REFERENCE_IDS} referenced tasks, at least one
 * part. Throws {@link ShapeError} naming the field.
 */
export function checkInboundMessage(message: A2AMessage, where = "params.message"): void {
  checkId(message.messageId, `${where}.messageId`);
  checkId(message.contextId, `${where}.contextId`);
  checkId(message.taskId, `${where}.taskId`);
  const refs = message.referenceTaskIds ?? [];
  if (refs.length > MAX_REFERENCE_IDS) {
    throw new ShapeError(`${where}.referenceTaskIds has more than ${MAX_REFERENCE_IDS} entries`);
  }
  refs.forEach((r, i) => checkId(r, `${where}.referenceTaskIds[${i}]`));
  const inReplyTo = message.metadata?.[IN_REPLY_TO_KEY];
  if (inReplyTo !== undefined && typeof inReplyTo !== "string") {
    throw new ShapeError(`${where}.metadata.${IN_REPLY_TO_KEY} must be a string`);
  }
  checkId(inReplyTo, `${where}.metadata.${IN_REPLY_TO_KEY}`);
  if (message.parts.length === 0) throw new ShapeError(`${where}.parts must not be empty`);
}

const STATES: ReadonlySet<string> = new Set<A2ATaskState>([
  "submitted",
  "working",
  "input-required",
  "completed",
  "canceled",
  "failed",
  "rejected",
  "auth-required",
  "unknown",
]);

/** Whether `state` is one of the A2A task states. */
export function isTaskState(state: unknown): state is A2ATaskState {
  return typeof state === "string" && STATES.has(state);
}

/** Terminal task states: such a task can no longer be canceled. */
export const TERMINAL_STATES = new Set<A2ATaskState>([
  "completed",
  "canceled",
  "failed",
  "rejected",
]);

/**
 * Normalises a message returned by the agent's handler: fills `kind`, `messageId`, `role:"agent"`
 * and `contextId`.
 */
export function normalizeAgentMessage(
  raw: Obj,
  contextId: string,
  newId: () => string,
): A2AMessage {
  const message = normalizeMessage(
    { ...raw, messageId: raw["messageId"] ?? newId(), role: raw["role"] ?? "agent" },
    "result",
  );
  message.contextId ??= contextId;
  return message;
}

/** Normalises a task returned by the agent's handler, filling ids and `kind`. */
export function normalizeAgentTask(raw: Obj, contextId: string, newId: () => string): A2ATask {
  const id = raw["id"];
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    throw new ShapeError("result.id must be a non-empty string");
  }
  const statusRaw = raw["status"];
  const state = isObj(statusRaw) ? statusRaw["state"] : statusRaw;
  if (!isTaskState(state)) {
    throw new ShapeError("result.status.state must be an A2A task state");
  }
  const status: A2ATask["status"] = {
    state: state as A2ATaskState,
    timestamp: new Date().toISOString(),
  };
  if (isObj(statusRaw)) {
    if (typeof statusRaw["timestamp"] === "string") status.timestamp = statusRaw["timestamp"];
    if (statusRaw["message"] !== undefined) {
      if (!isObj(statusRaw["message"]))
        throw new ShapeError("result.status.message must be an object");
      status.message = normalizeAgentMessage(statusRaw["message"], contextId, newId);
    }
  }
  const ctx =
    typeof raw["contextId"] === "string" && raw["contextId"] !== "" ? raw["contextId"] : contextId;
  const task: A2ATask = {
    kind: "task",
    id: (id as string | undefined) ?? newId(),
    contextId: ctx,
    status,
  };
  const artifacts = raw["artifacts"];
  if (artifacts !== undefined) {
    if (!Array.isArray(artifacts)) throw new ShapeError("result.artifacts must be an array");
    task.artifacts = artifacts.map((a: unknown, i): A2AArtifact => {
      if (!isObj(a)) throw new ShapeError(`result.artifacts[${i}] must be an object`);
      const artifact: A2AArtifact = {
        artifactId: typeof a["artifactId"] === "string" ? a["artifactId"] : newId(),
        parts: normalizeParts(a["parts"], `result.artifacts[${i}].parts`),
      };
      if (typeof a["name"] === "string") artifact.name = a["name"];
      if (typeof a["description"] === "string") artifact.description = a["description"];
      if (isObj(a["metadata"])) artifact.metadata = a["metadata"];
      return artifact;
    });
  }
  const history = raw["history"];
  if (Array.isArray(history)) {
    task.history = history.map((m, i) => normalizeMessage(m, `result.history[${i}]`));
  }
  if (isObj(raw["metadata"])) task.metadata = raw["metadata"];
  return task;
}
