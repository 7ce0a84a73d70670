// A graph state that stands for an interrupt question (`createGraphMessageHandler`): the message
// handler answers it as A2A `input-required` instead of an ordinary reply.

/** States that stand for a graph's interrupt question. */
const questions = new WeakSet<object>();

/** Marks `state` as a graph's interrupt question. */
export function asQuestion<T extends object>(state: T): T {
  questions.add(state);
  return state;
}

/** Whether `state` was marked by {@link asQuestion}. */
export function isQuestion(state: unknown): boolean {
  return typeof state === "object" && state !== null && questions.has(state);
}
