// What `onMessage` returned, turned into A2A answers: the Message or Task of a blocking send, the
// final state of an existing task, the v0.3 / v1.0 shape on the wire, and text collected from a
// stream of chunks.
import { randomUUID } from "../../runtime/index.js";
import { MoleculeError } from "../../transport/index.js";
import { messageToV1, taskToV1 } from "../to-v1.js";
import { newTaskId } from "./derived-id.js";
import type { A2AMessage, A2ATask } from "../types.js";
import { isObj, normalizeAgentMessage, normalizeAgentTask, ShapeError } from "./normalize.js";
import type { Scope } from "./scope.js";

export function now(): string {
  return new Date().toISOString();
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === "function";
}

export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** The error reported to `onError` when `onMessage` returned something that is not an answer. */
export function invalidResult(err: unknown): unknown {
  if (!(err instanceof ShapeError)) return err;
  return new MoleculeError(
    `onMessage returned an invalid result: ${err.message}; return a string, an A2AMessage, ` +
      "an A2ATask, an AsyncIterable<string> or nothing.",
    { code: "invalid_handler_result", retryable: false, cause: err },
  );
}

/** Does a returned object describe a task (rather than a message)? */
function isTaskLike(result: Record<string, unknown>): boolean {
  return result["kind"] === "task" || (result["kind"] === undefined && !("parts" in result));
}

/**
 * Turns a handler result into the v0.3 Task or Message answered to a blocking send; `remember`
 * stores a task so `tasks/get` finds it.
 */
export function toResult(
  result: unknown,
  message: A2AMessage,
  contextId: string,
  textAsTask: boolean,
  remember: (task: A2ATask) => void,
): A2AMessage | A2ATask {
  if (typeof result === "string") {
    if (!textAsTask) {
      return {
        kind: "message",
        messageId: randomUUID(),
        role: "agent",
        parts: [{ kind: "text", text: result }],
        contextId,
      };
    }
    const task = completedTask(contextId, message, result);
    remember(task);
    return task;
  }
  if (result === undefined || result === null) {
    const task = completedTask(contextId, message, undefined);
    remember(task);
    return task;
  }
  if (!isObj(result)) throw new ShapeError(`unsupported result type ${typeof result}`);
  if (isTaskLike(result)) {
    const task = normalizeAgentTask(result, contextId, newTaskId);
    task.history ??= [{ ...message, taskId: task.id, contextId: task.contextId }];
    recordStatusMessage(task);
    remember(task);
    return task;
  }
  return normalizeAgentMessage(result, contextId, randomUUID);
}

/** A handler result folded into the state of an existing task. */
export function toTaskResult(
  result: unknown,
  message: A2AMessage,
  task: A2ATask,
): Pick<A2ATask, "status" | "artifacts"> {
  if (typeof result === "string") {
    return completedTask(task.contextId, message, result);
  }
  if (result === undefined || result === null) {
    return { status: { state: "completed", timestamp: now() } };
  }
  if (!isObj(result)) throw new ShapeError(`unsupported result type ${typeof result}`);
  if (isTaskLike(result)) {
    const t = normalizeAgentTask(result, task.contextId, randomUUID);
    return t.artifacts === undefined
      ? { status: t.status }
      : { status: t.status, artifacts: t.artifacts };
  }
  const reply = normalizeAgentMessage(result, task.contextId, randomUUID);
  reply.taskId = task.id;
  return { status: { state: "completed", message: reply, timestamp: now() } };
}

/**
 * Moves a task to the final state of its handler's result: status and artifacts, and the status
 * message (e.g. the question of `input-required`) appended to the history.
 */
export function settleTask(task: A2ATask, final: Pick<A2ATask, "status" | "artifacts">): void {
  task.status = final.status;
  if (final.artifacts !== undefined) task.artifacts = final.artifacts;
  recordStatusMessage(task);
}

/** Appends the status message to the task's history (once). */
function recordStatusMessage(task: A2ATask): void {
  const message = task.status.message;
  if (message === undefined) return;
  message.taskId ??= task.id;
  const history = (task.history ??= []);
  if (!history.some((m) => m.messageId === message.messageId)) history.push(message);
}

/** `task` with at most the last `historyLength` messages of its history (all when undefined). */
export function withHistory(task: A2ATask, historyLength: number | undefined): A2ATask {
  if (historyLength === undefined || task.history === undefined) return task;
  return { ...task, history: historyLength === 0 ? [] : task.history.slice(-historyLength) };
}

/** A send's answer in the caller's dialect. */
export function shapeResult(version: "0.3" | "1.0", result: A2AMessage | A2ATask): unknown {
  if (version === "0.3") return result;
  return result.kind === "task" ? { task: taskToV1(result) } : { message: messageToV1(result) };
}

/** A task in the caller's dialect. */
export function shapeTask(version: "0.3" | "1.0", task: A2ATask): unknown {
  return version === "0.3" ? task : taskToV1(task);
}

function completedTask(contextId: string, message: A2AMessage, text: string | undefined): A2ATask {
  const id = newTaskId();
  const task: A2ATask = {
    kind: "task",
    id,
    contextId,
    status: { state: "completed", timestamp: now() },
    history: [{ ...message, taskId: id, contextId }],
  };
  if (text !== undefined) {
    task.artifacts = [{ artifactId: randomUUID(), parts: [{ kind: "text", text }] }];
  }
  return task;
}

/** The status of a task whose handler threw (the details stay on the server). */
export function failedStatus(contextId: string): A2ATask["status"] {
  return {
    state: "failed",
    timestamp: now(),
    message: {
      kind: "message",
      messageId: randomUUID(),
      role: "agent",
      parts: [{ kind: "text", text: "Internal error" }],
      contextId,
    },
  };
}

/** The chunks of a streamed result, concatenated (stops early once `scope` is aborted). */
export async function collectText(iterable: AsyncIterable<unknown>, scope: Scope): Promise<string> {
  let text = "";
  for await (const chunk of iterable) {
    if (scope.aborted) break;
    if (typeof chunk !== "string") throw new ShapeError("streamed chunks must be strings");
    text += chunk;
  }
  return text;
}
