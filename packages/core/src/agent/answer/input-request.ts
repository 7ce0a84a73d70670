// A handler's answer that is a question back to the caller (A2A `input-required`): the handler
// returns `askForInput(msg, question)`; on push delivery the caller gets a Task in
// `input-required` whose status message is the question, and its answer (a message with that
// task's id) reaches the handler as the next message of the same conversation (same contextId).
// On poll delivery the platform has no task states: the question is sent as an ordinary reply.
import type { InboundMessage } from "../../inbound/index.js";

/** Messages whose handler answered with a question (held only while the message is). */
const asking = new WeakSet<InboundMessage>();

/**
 * Marks the answer to `msg` as a question back to the caller and returns it: `return
 * askForInput(msg, "Which city?")` from a `RemoteAgent` handler answers a pushed message with an
 * A2A `input-required` task asking it (a poll-delivered message gets it as a plain reply).
 */
export function askForInput(msg: InboundMessage, question: string): string {
  asking.add(msg);
  return question;
}

/** Whether the handler of `msg` answered with {@link askForInput}. */
export function isAskingForInput(msg: InboundMessage): boolean {
  return asking.has(msg);
}
