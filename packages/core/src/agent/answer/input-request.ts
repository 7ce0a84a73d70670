// A handler's answer that is a question back to the caller (A2A `input-required`): the handler
// returns `askForInput(msg, question)`; the caller gets a Task in `input-required` whose status
// message is the question (push: the A2A result; poll: a reply naming the task, see
// poll-tasks.ts), and its answer (a message with that task's id) reaches the handler as a
// continuation of the task (`msg.taskId`, same contextId).
import type { InboundMessage } from "../../inbound/index.js";

/** Messages whose handler answered with a question (held only while the message is). */
const asking = new WeakSet<InboundMessage>();

/**
 * Marks the answer to `msg` as a question back to the caller and returns it: `return
 * askForInput(msg, "Which city?")` from a `RemoteAgent` handler answers the message with an A2A
 * `input-required` task asking it (push and poll delivery); the caller's answer, sent with the
 * task's id, reaches the handler with `msg.taskId` set.
 */
export function askForInput(msg: InboundMessage, question: string): string {
  asking.add(msg);
  return question;
}

/** Whether the handler of `msg` answered with {@link askForInput}. */
export function isAskingForInput(msg: InboundMessage): boolean {
  return asking.has(msg);
}
