// The conversation metadata this SDK writes on A2A messages (documented in docs/protocol.md).
import type { A2ATaskState } from "./types.js";

/** Message metadata key naming the `messageId` an answer answers. */
export const IN_REPLY_TO_KEY = "molecule_in_reply_to";

/** Message metadata key with the sender's own workspace id (an unauthenticated hint). */
export const SOURCE_WORKSPACE_KEY = "molecule_source_workspace_id";

/**
 * Whether an A2A `role` marks an answer: `"agent"` (v0.3), `"ROLE_AGENT"` (v1.0) or the
 * `"assistant"` some SDKs send. Any such message is an answer, whichever SDK sent it.
 */
export function isAgentRole(role: unknown): boolean {
  return role === "agent" || role === "ROLE_AGENT" || role === "assistant";
}

/**
 * Message metadata keys of an answer sent as a message (a poll-delivered agent's reply): the
 * answering agent's task the answer belongs to, its state after the answer (`"input-required"`:
 * a question, answered by a message with that `taskId`), and, when the message answered was
 * refused, the JSON-RPC error code (the text says why). An answer carries no A2A `taskId` of its
 * own: the task is the answerer's, unknown to the receiver's endpoint.
 */
export const TASK_ID_KEY = "molecule_task_id";
/** See {@link TASK_ID_KEY}. */
export const TASK_STATE_KEY = "molecule_task_state";
/** See {@link TASK_ID_KEY}. */
export const TASK_ERROR_KEY = "molecule_task_error";

/**
 * Metadata key of an answer that says its message was dead-lettered unanswered (an
 * {@link AnswerFailure}); see docs/protocol.md.
 */
export const FAILURE_KEY = "molecule_failure";
/**
 * Why a message will never be answered, as its dead-letter answer says it (metadata
 * `molecule_failure`, docs/protocol.md): the handler failed on every attempt, the conversation went
 * over the turn limit, or the message was delivered `maxDeliveries` times and never settled.
 */
export type AnswerFailure = "handler_failed" | "turn_limit" | "delivery_limit";

/** Whether `v` is an {@link AnswerFailure}. */
export function isAnswerFailure(v: unknown): v is AnswerFailure {
  return v === "handler_failed" || v === "turn_limit" || v === "delivery_limit";
}

/**
 * The answering agent's task an answer belongs to (message metadata `molecule_task_id`,
 * `molecule_task_state`, `molecule_task_error`; see docs/protocol.md): written by a poll-delivered
 * `RemoteAgent`, whose answers travel as messages rather than as A2A results.
 */
export interface AnswerTask {
  /** The task's id on the answering agent: send the next message with this `taskId`. */
  id: string;
  /** Its state after this answer: `"input-required"` is a question, `"completed"` its end. */
  state: A2ATaskState;
  /** The JSON-RPC error code when the message answered was refused (the text says why). */
  error?: number;
}
