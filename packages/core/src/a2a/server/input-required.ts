// The answer of a handler that needs more from the caller before it can finish: the task stays
// open (`input-required`) with a question, and the caller's next message with the task's id
// continues it (the handler then sees `ctx.taskId` and the question in `ctx.history`).
import { randomUUID } from "../../runtime/index.js";
import { newTaskId } from "./derived-id.js";
import type { A2ATask } from "../types.js";
import type { A2AHandlerContext } from "./handler-types.js";

/**
 * An `input-required` task asking `question` (an agent message with one text part): return it
 * from `onMessage`. The caller answers with a message whose `taskId` is this task's id; the same
 * handler receives that answer as a continuation of the task.
 *
 * @example
 * onMessage: (message, ctx) =>
 *   ctx.history.length === 0 ? inputRequired(ctx, "Which city?") : `Weather in ${textOf(message)}: sunny`
 */
export function inputRequired(ctx: A2AHandlerContext, question: string): A2ATask {
  const id = ctx.taskId ?? newTaskId();
  return {
    kind: "task",
    id,
    contextId: ctx.contextId,
    status: {
      state: "input-required",
      timestamp: new Date().toISOString(),
      message: {
        kind: "message",
        messageId: randomUUID(),
        role: "agent",
        parts: [{ kind: "text", text: question }],
        contextId: ctx.contextId,
        taskId: id,
      },
    },
  };
}
