// A graph state that stands for an interrupt question (`createGraphMessageHandler`): the message
// handler answers it as A2A `input-required` instead of an ordinary reply; and the interrupts a
// thread waits on (read by the graph handler and by the approval helpers).

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

/** The interrupts a checkpointed thread waits on (none when it is not interrupted). */
export async function threadInterrupts(
  graph: { getState(config: Record<string, unknown>): Promise<unknown> },
  config: Record<string, unknown>,
): Promise<{ value?: unknown }[]> {
  const state = (await graph.getState(config)) as {
    tasks?: readonly { interrupts?: readonly { value?: unknown }[] }[];
  };
  return (state.tasks ?? []).flatMap((t) => t.interrupts ?? []);
}
