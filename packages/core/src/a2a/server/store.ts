// A bounded in-memory task store (least recently used entries are evicted first).
import type { A2ATask } from "../types.js";

/** A stored task plus, while it runs, the function that cancels it. */
export interface TaskEntry {
  task: A2ATask;
  cancel?: ((reason: unknown) => void) | undefined;
}

/** Keeps at most `max` tasks; `get` refreshes an entry's recency. */
export class TaskStore {
  readonly #max: number;
  readonly #map = new Map<string, TaskEntry>();

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  /** The entry for `id`, if still stored. */
  get(id: string): TaskEntry | undefined {
    const entry = this.#map.get(id);
    if (entry !== undefined) {
      this.#map.delete(id);
      this.#map.set(id, entry);
    }
    return entry;
  }

  /** Stores (or replaces) an entry, evicting the least recently used one beyond the bound. */
  set(entry: TaskEntry): void {
    const id = entry.task.id;
    this.#map.delete(id);
    this.#map.set(id, entry);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  /** Number of stored tasks. */
  get size(): number {
    return this.#map.size;
  }

  /** Aborts every running task and forgets them all. */
  clear(reason: unknown): void {
    for (const entry of this.#map.values()) entry.cancel?.(reason);
    this.#map.clear();
  }
}
