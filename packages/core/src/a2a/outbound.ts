// Building outbound A2A envelopes (v0.3 by default, v1.0 for peers that need it) and reading any
// result shape a peer may answer with.
import { randomUUID } from "../runtime/index.js";
import { messageToV1 } from "./to-v1.js";
import type { A2AArtifact, A2AMessage, A2APart, A2ATaskState } from "./types.js";

/** A JSON-RPC 2.0 `message/send` request as this SDK sends it. */
export interface MessageSendRequest {
  jsonrpc: "2.0";
  id: string;
  method: "message/send";
  params: { message: A2AMessage; metadata?: Record<string, unknown> };
}

/** Input of {@link buildMessageSendRequest}. */
export interface OutboundMessageInput {
  /** Plain text (becomes one text part, placed before `parts`). */
  text?: string | undefined;
  /** Parts in v0.3 (`kind`), legacy (`type`) or v1.0 (`{text}`) spelling; normalised to v0.3. */
  parts?: readonly unknown[] | undefined;
  role: "user" | "agent";
  messageId?: string | undefined;
  contextId?: string | undefined;
  taskId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Normalises one part to v0.3 (`kind` discriminator). Accepts `kind`, legacy `type`, v1.0 oneof
 * parts (`{text}`, `{url, filename, mediaType}`, `{raw}`, `{data}`) and `{root: {...}}`.
 * Returns `undefined` for anything that is not a part.
 */
export function normalizePart(part: unknown): A2APart | undefined {
  if (typeof part === "string") return { kind: "text", text: part };
  if (!isRecord(part)) return undefined;
  if (isRecord(part.root)) return normalizePart(part.root);
  const kind = part.kind ?? part.type;
  const metadata = isRecord(part.metadata) ? { metadata: part.metadata } : {};
  if (kind === "text" || (kind === undefined && typeof part.text === "string")) {
    return typeof part.text === "string"
      ? { kind: "text", text: part.text, ...metadata }
      : undefined;
  }
  if (kind === "file" && isRecord(part.file)) {
    return { kind: "file", file: { ...part.file }, ...metadata } as A2APart;
  }
  if (
    kind === "file" ||
    (kind === undefined && (typeof part.url === "string" || typeof part.raw === "string"))
  ) {
    const file: Record<string, unknown> = {};
    if (typeof part.url === "string") file.uri = part.url;
    if (typeof part.uri === "string") file.uri = part.uri;
    if (typeof part.raw === "string") file.bytes = part.raw;
    if (typeof part.bytes === "string") file.bytes = part.bytes;
    const name = part.filename ?? part.name;
    if (typeof name === "string") file.name = name;
    const mime = part.mediaType ?? part.mimeType;
    if (typeof mime === "string") file.mimeType = mime;
    return { kind: "file", file, ...metadata } as A2APart;
  }
  if (kind === "data" || (kind === undefined && isRecord(part.data))) {
    return isRecord(part.data) ? { kind: "data", data: part.data, ...metadata } : undefined;
  }
  return undefined;
}

/** An artifact of either dialect with its parts normalised to v0.3. */
export function normalizeArtifact(raw: unknown): A2AArtifact {
  const a = isRecord(raw) ? raw : {};
  const out: A2AArtifact = {
    artifactId: typeof a.artifactId === "string" ? a.artifactId : "",
    parts: normalizeParts(a.parts),
  };
  if (typeof a.name === "string" && a.name !== "") out.name = a.name;
  if (typeof a.description === "string" && a.description !== "") out.description = a.description;
  if (isRecord(a.metadata)) out.metadata = a.metadata;
  return out;
}

/** Normalises a list of parts, dropping what is not a part. */
export function normalizeParts(parts: unknown): A2APart[] {
  if (!Array.isArray(parts)) return [];
  const out: A2APart[] = [];
  for (const p of parts) {
    const n = normalizePart(p);
    if (n) out.push(n);
  }
  return out;
}

/**
 * Builds a full A2A v0.3 JSON-RPC `message/send` request: `jsonrpc`, `id`, `kind: "message"`,
 * `role`, `messageId` and `kind` on every part.
 */
export function buildMessageSendRequest(input: OutboundMessageInput): MessageSendRequest {
  const parts: A2APart[] = [];
  if (input.text !== undefined && input.text !== "") parts.push({ kind: "text", text: input.text });
  parts.push(...normalizeParts(input.parts ?? []));
  const message: A2AMessage = {
    kind: "message",
    role: input.role,
    messageId: input.messageId ?? randomUUID(),
    parts,
  };
  if (input.contextId) message.contextId = input.contextId;
  if (input.taskId) message.taskId = input.taskId;
  if (input.metadata) message.metadata = input.metadata;
  return { jsonrpc: "2.0", id: randomUUID(), method: "message/send", params: { message } };
}

/** The A2A protocol versions an outbound call can speak. */
export type A2AProtocolVersion = "0.3" | "1.0";

/** The header a v1.0 request carries (`A2A-Version: 1.0`); absent means 0.3. */
export const A2A_VERSION_HEADER = "a2a-version";

/** A JSON-RPC 2.0 `SendMessage` request (A2A v1.0, proto-JSON params). */
export interface SendMessageRequestV1 {
  jsonrpc: "2.0";
  id: string;
  method: "SendMessage";
  params: { message: Record<string, unknown>; metadata?: Record<string, unknown> };
}

/**
 * Builds an A2A v1.0 JSON-RPC `SendMessage` request: proto-JSON message (`role: "ROLE_USER"` /
 * `"ROLE_AGENT"`, parts `{text}`, `{url|raw, filename, mediaType}`, `{data}`, no `kind`). Send it
 * with the header `A2A-Version: 1.0`.
 */
export function buildSendMessageRequestV1(input: OutboundMessageInput): SendMessageRequestV1 {
  return toSendMessageRequestV1(buildMessageSendRequest(input));
}

/** The v1.0 `SendMessage` equivalent of a v0.3 `message/send` request (same ids). */
export function toSendMessageRequestV1(req: MessageSendRequest): SendMessageRequestV1 {
  const params: SendMessageRequestV1["params"] = { message: messageToV1(req.params.message) };
  if (req.params.metadata) params.metadata = req.params.metadata;
  return { jsonrpc: "2.0", id: req.id, method: "SendMessage", params };
}

/**
 * The protocol to speak to a peer, read from its agent card: `"1.0"` when the card advertises only
 * A2A 1.x JSON-RPC interfaces (`supportedInterfaces` with `protocolBinding: "JSONRPC"` and
 * `protocolVersion` 1.x, and no v0.3 `url`/`protocolVersion` at the top level); `"0.3"` when it
 * advertises v0.3 (a 0.x JSON-RPC interface, or a top-level 0.x `protocolVersion`); `undefined`
 * when the card says nothing usable (then v0.3 is tried first).
 */
export function peerProtocolFromCard(card: unknown): A2AProtocolVersion | undefined {
  if (!isRecord(card)) return undefined;
  const top = card.protocolVersion;
  if (typeof top === "string" && top.startsWith("0.")) return "0.3";
  let v1 = false;
  if (Array.isArray(card.supportedInterfaces)) {
    for (const i of card.supportedInterfaces) {
      if (!isRecord(i)) continue;
      const binding = typeof i.protocolBinding === "string" ? i.protocolBinding : "JSONRPC";
      if (binding.toUpperCase() !== "JSONRPC") continue;
      const version = typeof i.protocolVersion === "string" ? i.protocolVersion : "";
      if (version.startsWith("0.")) return "0.3";
      if (version.startsWith("1.")) v1 = true;
    }
  }
  return v1 ? "1.0" : undefined;
}

/** Text of a list of parts: text parts joined with `""` (other parts ignored). */
export function textOfParts(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") {
      out += p;
      continue;
    }
    if (!isRecord(p)) continue;
    const part = isRecord(p.root) ? p.root : p;
    const kind = part.kind ?? part.type;
    if ((kind === "text" || kind === undefined) && typeof part.text === "string") out += part.text;
  }
  return out;
}

function textOfArtifacts(artifacts: unknown): string {
  if (!Array.isArray(artifacts)) return "";
  const texts: string[] = [];
  for (const a of artifacts) {
    if (!isRecord(a)) continue;
    const t = textOfParts(a.parts);
    if (t !== "") texts.push(t);
  }
  return texts.join("\n");
}

/**
 * Extracts the text of any A2A result shape, tolerant of every dialect in the wild:
 * a JSON-RPC envelope (`{result}`), a v0.3 Task (`artifacts[].parts`, else `status.message.parts`)
 * or Message (`parts`), v1.0 `{task}` / `{message}` wrappers with `{text}` parts, Molecule's
 * simplified `{status: "completed", artifacts}`, bare `{parts}`, `{text}`, `{result: "..."}` or a
 * plain string. Parts may use `kind` or legacy `type`. Returns `""` when there is no text.
 */
export function extractA2AText(result: unknown, depth = 0): string {
  if (typeof result === "string") return result;
  if (!isRecord(result) || depth > 6) return "";
  if (result.jsonrpc !== undefined) return extractA2AText(result.result, depth + 1);
  if (typeof result.result === "string") return result.result;
  if (isRecord(result.result)) return extractA2AText(result.result, depth + 1);
  if (isRecord(result.task)) return extractA2AText(result.task, depth + 1);
  if (isRecord(result.message) && !("parts" in result)) {
    return extractA2AText(result.message, depth + 1);
  }
  const fromArtifacts = textOfArtifacts(result.artifacts);
  if (fromArtifacts !== "") return fromArtifacts;
  const fromParts = textOfParts(result.parts);
  if (fromParts !== "") return fromParts;
  if (isRecord(result.status) && isRecord(result.status.message)) {
    const t = textOfParts(result.status.message.parts);
    if (t !== "") return t;
  }
  if (typeof result.text === "string") return result.text;
  if (typeof result.message === "string") return result.message;
  return "";
}

/** A v1.0 task state enum name's v0.3 state (both spellings of canceled). */
export const STATE_FROM_V1: Record<string, A2ATaskState> = {
  TASK_STATE_SUBMITTED: "submitted",
  TASK_STATE_WORKING: "working",
  TASK_STATE_INPUT_REQUIRED: "input-required",
  TASK_STATE_COMPLETED: "completed",
  TASK_STATE_CANCELED: "canceled",
  TASK_STATE_CANCELLED: "canceled",
  TASK_STATE_FAILED: "failed",
  TASK_STATE_REJECTED: "rejected",
  TASK_STATE_AUTH_REQUIRED: "auth-required",
};

/** The coarse outcome of a peer call, as {@link PeerCallResult} reports it. */
export type PeerOutcome = "completed" | "failed" | "input-required" | "working";

/** Summary of a `message/send` result: outcome, text, parts, artifacts and ids. */
export interface A2AResultSummary {
  status: PeerOutcome;
  text: string;
  /** Every part of the answer (v0.3): the artifacts', else the message's or the status message's. */
  parts: A2APart[];
  /** The task's artifacts (v0.3); none for a message. */
  artifacts: A2AArtifact[];
  contextId?: string;
  taskId?: string;
}

/** The outcome of an A2A task state (v0.3 or v1.0 name); `undefined` for any other value. */
function outcomeOf(state: string): PeerOutcome | undefined {
  const s = STATE_FROM_V1[state] ?? state.toLowerCase();
  switch (s) {
    case "completed":
      return "completed";
    case "failed":
    case "canceled":
    case "rejected":
      return "failed";
    case "input-required":
    case "auth-required":
      return "input-required";
    case "submitted":
    case "working":
      return "working";
    default:
      return undefined;
  }
}

/**
 * Whether `v` is an A2A answer on its own: a Message or Task (`kind`, `parts`, a `status` object)
 * or the v1.0 `{task}` / `{message}` wrapper. A body that is none of these (a receipt, an error
 * page's JSON) is not read as an answer.
 */
export function isA2AAnswer(v: unknown): boolean {
  if (!isRecord(v)) return false;
  if (isRecord(v.task) || (isRecord(v.message) && !("parts" in v))) return true;
  return v.kind === "message" || v.kind === "task" || Array.isArray(v.parts) || isRecord(v.status);
}

/**
 * Summarises a `message/send` result (the JSON-RPC `result`: a Message, a Task, the v1.0 wrapper,
 * or plain text). `undefined` when it is none of these, or names a task state A2A does not define
 * (or `unknown`): such an answer says nothing about the outcome, so it must not read as completed.
 */
export function summarizeA2AResult(result: unknown): A2AResultSummary | undefined {
  if (typeof result === "string") {
    return {
      status: "completed",
      text: result,
      parts: [{ kind: "text", text: result }],
      artifacts: [],
    };
  }
  let r: unknown = result;
  if (isRecord(r) && isRecord(r.task)) r = r.task;
  else if (isRecord(r) && isRecord(r.message) && !("parts" in r) && !("status" in r)) r = r.message;
  if (!isRecord(r)) return undefined;
  if (!isA2AAnswer(r) && typeof r.text !== "string" && typeof r.message !== "string") {
    return undefined;
  }
  const artifacts = Array.isArray(r.artifacts) ? r.artifacts.map(normalizeArtifact) : [];
  const message = isRecord(r.status) && isRecord(r.status.message) ? r.status.message.parts : [];
  const own = Array.isArray(r.parts) ? normalizeParts(r.parts) : normalizeParts(message);
  const parts = artifacts.length > 0 ? artifacts.flatMap((a) => a.parts) : own;
  const summary: A2AResultSummary = {
    status: "completed",
    text: extractA2AText(r),
    parts,
    artifacts,
  };
  // A task's state (a status object without one is no task), or a plain string status.
  const state = isRecord(r.status) ? (r.status.state ?? null) : r.status;
  if (state !== undefined) {
    const outcome = typeof state === "string" ? outcomeOf(state) : undefined;
    if (outcome === undefined) return undefined;
    summary.status = outcome;
  }
  if (typeof r.contextId === "string") summary.contextId = r.contextId;
  const isTask = r.kind === "task" || (typeof r.id === "string" && isRecord(r.status));
  if (isTask && typeof r.id === "string") summary.taskId = r.id;
  else if (typeof r.taskId === "string") summary.taskId = r.taskId;
  return summary;
}
