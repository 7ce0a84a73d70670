// Where the A2A endpoint keeps its tasks (`tasks/get`, `tasks/cancel`): the store contract, which
// a shared store (e.g. `@molecule-ai/postgres`) implements for replicas behind a load balancer,
// and the default bounded in-memory store (least recently used entries are evicted first).
import type { A2ATask } from "../types.js";
import { TERMINAL_STATES } from "./normalize.js";
import { now } from "./task-results.js";

/** The answer to {@link A2ATaskStore.cancel}. */
export type TaskCancelResult =
  /** The task is now `canceled` (`task` is its stored state). */
  | { status: "canceled"; task: A2ATask }
  /** No such task (never stored, evicted or removed by retention). */
  | { status: "not_found" }
  /** The task is already in a terminal state (`task` says which). */
  | { status: "not_cancelable"; task: A2ATask };

/**
 * The task store of an A2A endpoint (`createA2AHandler({ taskStore })`, or `store.tasks` of a
 * `RemoteAgent` store). Methods may answer synchronously (the in-memory default does) or with a
 * promise (a database).
 *
 * Contract: saves of one task apply in call order; a stored task in a terminal state (`completed`,
 * `canceled`, `failed`, `rejected`) is never replaced by a later save, so a cancel made through
 * one replica wins over a result that another replica writes afterwards.
 */
export interface A2ATaskStore {
  /** The stored task, or `undefined`. */
  get(taskId: string): A2ATask | undefined | Promise<A2ATask | undefined>;
  /** Stores a new task or its new state (ignored when the stored one is terminal). */
  save(task: A2ATask): void | Promise<void>;
  /** Marks a task that is not terminal `canceled`, and tells every watcher (see {@link watch}). */
  cancel(taskId: string): TaskCancelResult | Promise<TaskCancelResult>;
  /**
   * For stores shared by several processes: calls `onCancel(taskId)` whenever a task is canceled
   * through any of them, so the process running it aborts its handler. `ready` resolves once
   * notifications flow; `close()` stops them.
   */
  watch?(onCancel: (taskId: string) => void): TaskWatch;
  /**
   * For stores shared by several processes: calls `onChange(taskId)` whenever a task's stored
   * state changes through any of them (each save and cancel), and `onChange(undefined)` when
   * changes may have been missed (e.g. after a reconnect). `tasks/resubscribe` streams of tasks
   * run by another process follow them; without it, those answer UnsupportedOperation.
   */
  watchChanges?(onChange: (taskId: string | undefined) => void): TaskWatch;
}

/** A subscription of {@link A2ATaskStore.watch} or {@link A2ATaskStore.watchChanges}. */
export interface TaskWatch {
  /** Resolves once notifications flow (rejects while the store cannot be reached). */
  readonly ready: Promise<void>;
  /** Stops the notifications to this watcher. */
  close(): void | Promise<void>;
}

/** The default task store: at most `max` tasks in memory; `get` refreshes an entry's recency. */
export class MemoryTaskStore implements A2ATaskStore {
  readonly #max: number;
  readonly #map = new Map<string, A2ATask>();

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get(id: string): A2ATask | undefined {
    const task = this.#map.get(id);
    if (task !== undefined) {
      this.#map.delete(id);
      this.#map.set(id, task);
    }
    return task;
  }

  save(task: A2ATask): void {
    const id = task.id;
    const stored = this.#map.get(id);
    if (stored !== undefined && stored !== task && TERMINAL_STATES.has(stored.status.state)) return;
    this.#map.delete(id);
    this.#map.set(id, task);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  cancel(id: string): TaskCancelResult {
    const task = this.get(id);
    if (task === undefined) return { status: "not_found" };
    if (TERMINAL_STATES.has(task.status.state)) return { status: "not_cancelable", task };
    task.status = { state: "canceled", timestamp: now() };
    return { status: "canceled", task };
  }

  /** Number of stored tasks. */
  get size(): number {
    return this.#map.size;
  }

  /** Forgets every task. */
  clear(): void {
    this.#map.clear();
  }
}
