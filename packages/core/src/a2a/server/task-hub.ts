// In-process notifications of task changes, by task id, for `tasks/resubscribe` streams: the
// endpoint reports each change of a task it runs (with the task), and a shared store's change
// notifications arrive without one (the subscriber reads the store).
import type { A2ATask } from "../types.js";

/** A change: the task as it is now, or `undefined` when it must be read from the store. */
export type TaskChange = (task: A2ATask | undefined) => void;

/** Listeners of task changes, by task id. */
export class TaskHub {
  readonly #listeners = new Map<string, Set<TaskChange>>();
  readonly #counted: ((taskId: string) => void) | undefined;

  /** @param counted called after the number of listeners of a task changed */
  constructor(counted?: (taskId: string) => void) {
    this.#counted = counted;
  }

  /** Listens to changes of `taskId`; returns the function that stops it. */
  on(taskId: string, listener: TaskChange): () => void {
    let set = this.#listeners.get(taskId);
    if (set === undefined) this.#listeners.set(taskId, (set = new Set()));
    set.add(listener);
    this.#counted?.(taskId);
    return () => {
      if (!set.delete(listener)) return;
      if (set.size === 0 && this.#listeners.get(taskId) === set) this.#listeners.delete(taskId);
      this.#counted?.(taskId);
    };
  }

  /** Reports a change of `taskId`; without an id, every followed task may have changed. */
  emit(taskId: string | undefined, task?: A2ATask): void {
    const sets =
      taskId === undefined ? [...this.#listeners.values()] : [this.#listeners.get(taskId)];
    for (const set of sets) {
      for (const listener of set ?? []) {
        try {
          listener(task);
        } catch {
          // a failing subscriber must not stop the others
        }
      }
    }
  }

  /** Number of listeners of `taskId`. */
  count(taskId: string): number {
    return this.#listeners.get(taskId)?.size ?? 0;
  }

  /** Number of followed tasks. */
  get size(): number {
    return this.#listeners.size;
  }
}
