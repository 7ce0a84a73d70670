// Where the A2A endpoint keeps its tasks (`tasks/get`, `tasks/cancel`, continuation, `ListTasks`):
// the store contract, which a shared store (e.g. `@molecule-ai/postgres`) implements for replicas
// behind a load balancer, and the default bounded in-memory store (least recently used entries
// are evicted first). Every task belongs to one workspace: a store answers a task only to the
// workspace it was saved for, exactly as if it did not exist for any other.
import type { A2ATask } from "../types.js";
import { TERMINAL_STATES } from "./normalize.js";
import type { TaskPushConfig } from "./push-config.js";

/** The answer to {@link A2ATaskStore.cancel}. */
export type TaskCancelResult =
  /** The task is now `canceled` (`task` is its stored state). */
  | { status: "canceled"; task: A2ATask }
  /** No such task in this workspace (never stored, evicted, removed by retention, or another workspace's). */
  | { status: "not_found" }
  /** The task is already in a terminal state (`task` says which). */
  | { status: "not_cancelable"; task: A2ATask };

/** A page request of {@link A2ATaskStore.list} (v1.0 `ListTasks`), already checked. */
export interface TaskListQuery {
  /** Only tasks of this conversation. */
  contextId?: string;
  /** Only tasks in this state. */
  state?: A2ATask["status"]["state"];
  /** Only tasks whose status timestamp is at or after this instant (epoch ms). */
  statusAfter?: number;
  /** Tasks per page (1 to 100). */
  pageSize: number;
  /** The `nextPageToken` of the previous page, if any (opaque to callers; digits only, checked). */
  pageToken?: string;
}

/** A page of {@link A2ATaskStore.list}: most recently changed first. */
export interface TaskListPage {
  /** The tasks of this page. */
  tasks: A2ATask[];
  /**
   * Token of the next page, `""` on the last one: a decimal string of 1 to 19 digits (e.g. the
   * change sequence of the page's last task), since the endpoint refuses any other token with
   * `-32602` before it asks the store.
   */
  nextPageToken: string;
  /** Matching tasks in all pages. */
  totalSize: number;
}

/**
 * The task store of an A2A endpoint (`createA2AHandler({ taskStore })`, or `store.tasks` of a
 * `RemoteAgent` store). Methods may answer synchronously (the in-memory default does) or with a
 * promise (a database). `workspaceId` is the workspace the endpoint serves (`""` for a handler
 * created without one): a task is stored for it and is invisible to every other workspace.
 *
 * Contract: saves of one task apply in call order; a stored task in a terminal state (`completed`,
 * `canceled`, `failed`, `rejected`) is never replaced by a later save, so a cancel made through
 * one replica wins over a result that another replica writes afterwards; a save never moves a task
 * to another workspace.
 */
export interface A2ATaskStore {
  /** The stored task of `workspaceId`, or `undefined`. */
  get(taskId: string, workspaceId: string): A2ATask | undefined | Promise<A2ATask | undefined>;
  /** Stores a new task or its new state (ignored when the stored one is terminal or another workspace's). */
  save(task: A2ATask, workspaceId: string): void | Promise<void>;
  /** Marks a task of `workspaceId` that is not terminal `canceled`, and tells every watcher (see {@link watch}). */
  cancel(taskId: string, workspaceId: string): TaskCancelResult | Promise<TaskCancelResult>;
  /** A page of the workspace's tasks, most recently changed first (v1.0 `ListTasks`). */
  list?(workspaceId: string, query: TaskListQuery): TaskListPage | Promise<TaskListPage>;
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
  /**
   * For stores shared by several processes: tells the process running `taskId` that a stream of
   * another process follows it (a `tasks/resubscribe` stream of a task run elsewhere calls it when
   * it starts and every third of `unwatchedTaskTtlMs` while it lasts), so the task is not
   * canceled as unwatched. Needs {@link watchFollows}.
   */
  followed?(taskId: string, workspaceId: string): void | Promise<void>;
  /**
   * For stores shared by several processes: calls `onFollowed(taskId)` for each
   * {@link followed} made through any of them, and `onFollowed(undefined)` when some may have
   * been missed (e.g. after a reconnect).
   */
  watchFollows?(onFollowed: (taskId: string | undefined) => void): TaskWatch;
  /**
   * Push notifications (webhooks) need the three methods below; a store without them serves no
   * push notification config (`-32003`). Stores `config` for the task `taskId` of `workspaceId`,
   * replacing the one with its id; `false` (nothing stored) when the workspace has no such task.
   */
  savePushConfig?(
    taskId: string,
    workspaceId: string,
    config: TaskPushConfig,
  ): boolean | Promise<boolean>;
  /** The push notification configs of a task of `workspaceId` (none for another workspace's). */
  pushConfigs?(taskId: string, workspaceId: string): TaskPushConfig[] | Promise<TaskPushConfig[]>;
  /** Removes a push notification config (nothing when there is none). */
  deletePushConfig?(taskId: string, workspaceId: string, configId: string): void | Promise<void>;
}

/** A subscription of {@link A2ATaskStore.watch} or {@link A2ATaskStore.watchChanges}. */
export interface TaskWatch {
  /** Resolves once notifications flow (rejects while the store cannot be reached). */
  readonly ready: Promise<void>;
  /** Stops the notifications to this watcher. */
  close(): void | Promise<void>;
}

/** A task as the in-memory store keeps it. */
export interface MemoryTaskEntry {
  task: A2ATask;
  workspaceId: string;
  /** Order of the last change (saves and cancels), for `list`. */
  seq: number;
  /** The task's push notification configs. */
  push?: TaskPushConfig[];
}

/** The default task store: at most `max` tasks in memory; `get` refreshes an entry's recency. */
export class MemoryTaskStore implements A2ATaskStore {
  readonly #max: number;
  readonly #map = new Map<string, MemoryTaskEntry>();
  readonly #onEvict: ((taskId: string) => void) | undefined;
  #seq = 0;

  /** @param onEvict called with each task dropped to keep `max` (a file store records it) */
  constructor(max: number, onEvict?: (taskId: string) => void) {
    this.#max = Math.max(1, max);
    this.#onEvict = onEvict;
  }

  /** The stored entry of a task (any workspace's), without refreshing its recency. */
  entry(id: string): MemoryTaskEntry | undefined {
    return this.#map.get(id);
  }

  get(id: string, workspaceId: string): A2ATask | undefined {
    const entry = this.#map.get(id);
    if (entry === undefined || entry.workspaceId !== workspaceId) return undefined;
    this.#map.delete(id);
    this.#map.set(id, entry);
    return entry.task;
  }

  save(task: A2ATask, workspaceId: string): void {
    const id = task.id;
    const stored = this.#map.get(id);
    if (stored !== undefined) {
      if (stored.workspaceId !== workspaceId) return;
      if (stored.task !== task && TERMINAL_STATES.has(stored.task.status.state)) return;
    }
    this.#map.delete(id);
    const entry: MemoryTaskEntry = { task, workspaceId, seq: ++this.#seq };
    if (stored?.push !== undefined) entry.push = stored.push;
    this.#map.set(id, entry);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
      this.#onEvict?.(oldest);
    }
  }

  cancel(id: string, workspaceId: string): TaskCancelResult {
    const task = this.get(id, workspaceId);
    if (task === undefined) return { status: "not_found" };
    if (TERMINAL_STATES.has(task.status.state)) return { status: "not_cancelable", task };
    task.status = { state: "canceled", timestamp: new Date().toISOString() };
    this.#map.get(id)!.seq = ++this.#seq;
    return { status: "canceled", task };
  }

  list(workspaceId: string, query: TaskListQuery): TaskListPage {
    const matching = [...this.#map.values()]
      .filter(
        (e) =>
          e.workspaceId === workspaceId &&
          (query.contextId === undefined || e.task.contextId === query.contextId) &&
          (query.state === undefined || e.task.status.state === query.state) &&
          (query.statusAfter === undefined ||
            Date.parse(e.task.status.timestamp ?? "") >= query.statusAfter),
      )
      .sort((a, b) => b.seq - a.seq);
    const after = query.pageToken === undefined ? Infinity : Number(query.pageToken);
    const rest = matching.filter((e) => e.seq < after);
    const page = rest.slice(0, query.pageSize);
    const more = rest.length > page.length;
    return {
      tasks: page.map((e) => e.task),
      nextPageToken: more ? String(page.at(-1)!.seq) : "",
      totalSize: matching.length,
    };
  }

  savePushConfig(taskId: string, workspaceId: string, config: TaskPushConfig): boolean {
    const entry = this.#map.get(taskId);
    if (entry === undefined || entry.workspaceId !== workspaceId) return false;
    entry.push = [...(entry.push ?? []).filter((c) => c.id !== config.id), config];
    return true;
  }

  pushConfigs(taskId: string, workspaceId: string): TaskPushConfig[] {
    const entry = this.#map.get(taskId);
    return entry === undefined || entry.workspaceId !== workspaceId ? [] : (entry.push ?? []);
  }

  deletePushConfig(taskId: string, workspaceId: string, configId: string): void {
    const entry = this.#map.get(taskId);
    if (entry === undefined || entry.workspaceId !== workspaceId || entry.push === undefined)
      return;
    entry.push = entry.push.filter((c) => c.id !== configId);
    if (entry.push.length === 0) delete entry.push;
  }

  /** The stored tasks with their workspace, change order and webhooks, least recently used first. */
  entries(): MemoryTaskEntry[] {
    return [...this.#map.values()].map((e) => ({ ...e }));
  }

  /** Adds tasks as {@link entries} listed them (a saved store read back), keeping their order. */
  restore(entries: readonly MemoryTaskEntry[]): void {
    for (const e of entries) {
      this.#map.delete(e.task.id);
      this.#map.set(e.task.id, { ...e });
      this.#seq = Math.max(this.#seq, e.seq);
    }
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
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
