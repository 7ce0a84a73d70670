// Whether a message may continue a stored task (`message.taskId`): the task is not finished, the
// message is in its conversation, the task waits for its caller and runs nowhere (here or on
// another replica), and its history stays within bounds. The send methods (methods.ts) ask this
// before they run the handler again for the task.
import type { A2AMessage, A2ATask } from "../types.js";
import { A2AErrorCode } from "./errors.js";
import { TERMINAL_STATES } from "./normalize.js";
import { rpcError, type CallId, type Outcome } from "./outcome.js";
import { utf8Length } from "../../runtime/index.js";

/**
 * The refusal of `send`'s message to task `stored` (`running`: its handler runs in this process),
 * or `undefined` when the task takes it.
 */
export function continuationRefusal(
  send: { id: CallId; version: "0.3" | "1.0"; message: A2AMessage },
  stored: A2ATask,
  running: boolean,
  maxHistoryBytes: number,
): Outcome | undefined {
  const { id, version, message } = send;
  if (TERMINAL_STATES.has(stored.status.state)) {
    // The official SDKs: InvalidRequest (v0.3), UnsupportedOperation (v1.0).
    return rpcError(
      id,
      version === "0.3" ? A2AErrorCode.InvalidRequest : A2AErrorCode.UnsupportedOperation,
      `Task ${stored.id} is in a terminal state (${stored.status.state}) and cannot be continued; send a message without taskId to start a new task`,
    );
  }
  if (message.contextId !== undefined && message.contextId !== stored.contextId) {
    return rpcError(
      id,
      A2AErrorCode.InvalidRequest,
      `params.message.contextId does not match the contextId of task ${stored.id}; omit it or send the task's`,
    );
  }
  // Only a task waiting for its caller (the handler asked a question) takes a message: one that
  // runs (here, or stored as running by another replica) is never run twice at once.
  if (!WAITING_STATES.has(stored.status.state) || running) {
    const state = running ? "working" : stored.status.state;
    return rpcError(
      id,
      A2AErrorCode.UnsupportedOperation,
      `Task ${stored.id} is ${state}: a task takes a message only while it waits for one (input-required); poll tasks/get (GetTask) until it does, or send a message without taskId to start a new task`,
    );
  }
  const refusal = historyRefusal(stored.id, stored.history ?? [], message, maxHistoryBytes);
  if (refusal !== undefined) return rpcError(id, A2AErrorCode.UnsupportedOperation, refusal);
  return undefined;
}

/** The states in which a task takes its caller's next message. */
const WAITING_STATES: ReadonlySet<string> = new Set(["input-required", "auth-required"]);

/** Most messages one task's history holds: a continuation past it is refused. */
export const MAX_TASK_HISTORY_MESSAGES = 100;

/**
 * Why `message` may not join the history `prior` of task `taskId` (at most
 * {@link MAX_TASK_HISTORY_MESSAGES} messages and `maxBytes` bytes of JSON), if it may not.
 */
function historyRefusal(
  taskId: string,
  prior: readonly A2AMessage[],
  message: A2AMessage,
  maxBytes: number,
): string | undefined {
  if (prior.length + 1 > MAX_TASK_HISTORY_MESSAGES) {
    return `Task ${taskId} has ${prior.length} messages, the most one task keeps (${MAX_TASK_HISTORY_MESSAGES}); send a message without taskId to start a new task`;
  }
  let bytes = utf8Length(JSON.stringify(message));
  for (const m of prior) bytes += utf8Length(JSON.stringify(m));
  if (bytes > maxBytes) {
    return `Task ${taskId}'s history would hold ${bytes} bytes with this message, over the ${maxBytes}-byte limit of one task; send a message without taskId to start a new task`;
  }
  return undefined;
}
