// The tasks a long tool call (`call_peer`, `delegate_to_peer`) runs as when the host asks for MCP
// tasks (task-methods.ts speaks the wire): one store per server, shared by its sessions and both
// protocol eras. A task runs its call in the background under a signal of its own, and keeps its
// result for `ttlMs` after it was created. No timer: an expired task is dropped when the store is
// next used, and the store holds at most `MAX_TASKS`.
import { randomUUID } from "node:crypto";

/** A task's status (the same five in the 2025-11-25 tasks and in the tasks extension). */
type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** A JSON-RPC error a task's call failed with. */
interface TaskError {
  code: number;
  message: string;
}

/** One task, as both eras' wire shapes are built from it. */
export interface ToolTask {
  /** Unguessable (a random UUID): with the server's bearer, who holds it may read and cancel it. */
  readonly taskId: string;
  status: TaskStatus;
  statusMessage: string | undefined;
  readonly createdAt: string;
  lastUpdatedAt: string;
  /** How long after `createdAt` the task is kept (ms). */
  readonly ttlMs: number;
  /** How often a host should poll it (ms). */
  readonly pollIntervalMs: number;
  /** The call's result (a `CallToolResult`), once `completed`. */
  result: Record<string, unknown> | undefined;
  /** The call's JSON-RPC error, once `failed`. */
  error: TaskError | undefined;
  /** Settles when the task reaches a terminal status. */
  readonly ended: Promise<void>;
}

/** The most tasks kept at once; past it a call runs without a task (the server's choice). */
const MAX_TASKS = 256;
/** The default time a task is kept after its creation (ms). */
const DEFAULT_TASK_TTL_MS = 60 * 60 * 1000;
/** The longest time a host may ask a task to be kept (ms). */
const MAX_TASK_TTL_MS = 24 * 60 * 60 * 1000;
/** The poll interval the server suggests (ms). */
const TASK_POLL_INTERVAL_MS = 1000;

interface Entry {
  task: ToolTask;
  abort: AbortController;
  /** Settles `task.ended` and tells `onEnd`: once, when the task reaches a terminal status. */
  end: () => void;
}

const TERMINAL = new Set<TaskStatus>(["completed", "failed", "cancelled"]);

/** Whether `status` is terminal (`completed`, `failed`, `cancelled`). */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

/** The tasks of one server. */
export class ToolTasks {
  readonly #tasks = new Map<string, Entry>();
  #stopped = false;

  /**
   * Starts `run` as a task (its signal aborts on `tasks/cancel` and when the server stops) and
   * returns it, `working`; `onEnd` is called once when it reaches a terminal status. `undefined`
   * when the store is full of running tasks or stopped: then the caller runs the call as usual.
   * `ttlMs`: the host's wish, bounded (default {@link DEFAULT_TASK_TTL_MS}).
   */
  start(
    run: (signal: AbortSignal) => Promise<Record<string, unknown>>,
    options: { ttlMs?: number | undefined; onEnd?: (task: ToolTask) => void } = {},
  ): ToolTask | undefined {
    this.#purge();
    if (this.#stopped || !this.#makeRoom()) return undefined;
    const now = new Date().toISOString();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const wish = options.ttlMs;
    const task: ToolTask = {
      taskId: randomUUID(),
      status: "working",
      statusMessage: "The call is running.",
      createdAt: now,
      lastUpdatedAt: now,
      ttlMs:
        typeof wish === "number" && Number.isInteger(wish) && wish > 0
          ? Math.min(wish, MAX_TASK_TTL_MS)
          : DEFAULT_TASK_TTL_MS,
      pollIntervalMs: TASK_POLL_INTERVAL_MS,
      result: undefined,
      error: undefined,
      ended,
    };
    const entry: Entry = {
      task,
      abort: new AbortController(),
      end: () => {
        end();
        options.onEnd?.(task);
      },
    };
    this.#tasks.set(task.taskId, entry);
    const settle = (apply: () => void): void => {
      if (isTerminal(task.status)) return; // cancelled meanwhile: its late outcome is dropped
      apply();
      task.lastUpdatedAt = new Date().toISOString();
      entry.end();
    };
    run(entry.abort.signal).then(
      (result) =>
        settle(() => {
          task.status = "completed";
          task.statusMessage =
            result["isError"] === true ? "The call ended with an error." : "The call completed.";
          task.result = result;
        }),
      (err: unknown) =>
        settle(() => {
          task.status = "failed";
          task.error = jsonRpcError(err);
          task.statusMessage = `The call failed: ${task.error.message}`;
        }),
    );
    return task;
  }

  /** The task `taskId`, or `undefined` when there is none (never was, or expired). */
  get(taskId: string): ToolTask | undefined {
    this.#purge();
    return this.#tasks.get(taskId)?.task;
  }

  /**
   * Cancels the task `taskId`: a running one becomes `cancelled` at once and its call's signal
   * aborts (the peer call stops waiting); a terminal one stays as it is. `undefined` when there is
   * no such task.
   */
  cancel(taskId: string): ToolTask | undefined {
    const entry = this.#tasks.get(taskId);
    if (entry === undefined) return undefined;
    const { task } = entry;
    if (!isTerminal(task.status)) {
      task.status = "cancelled";
      task.statusMessage = "The call was cancelled.";
      task.lastUpdatedAt = new Date().toISOString();
      entry.abort.abort(new Error("task cancelled"));
      entry.end();
    }
    return task;
  }

  /** Aborts every running task's call (the server stops); no new task starts. */
  stop(): void {
    this.#stopped = true;
    for (const { abort } of this.#tasks.values()) abort.abort(new Error("server stopped"));
  }

  /** Drops the terminal tasks whose time is up. */
  #purge(): void {
    const now = Date.now();
    for (const [id, { task }] of this.#tasks) {
      if (isTerminal(task.status) && Date.parse(task.createdAt) + task.ttlMs <= now)
        this.#tasks.delete(id);
    }
  }

  /** Room for one more task: the oldest terminal one goes when the store is full. */
  #makeRoom(): boolean {
    if (this.#tasks.size < MAX_TASKS) return true;
    for (const [id, { task }] of this.#tasks) {
      if (!isTerminal(task.status)) continue;
      this.#tasks.delete(id);
      return true;
    }
    return false;
  }
}

/** The JSON-RPC error of a call that threw (an MCP `ProtocolError` keeps its code). */
function jsonRpcError(err: unknown): TaskError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return { code: typeof code === "number" && Number.isInteger(code) ? code : -32603, message };
}

const stores = new WeakMap<object, ToolTasks>();

/**
 * The tasks of `host` (a `MoleculeMcp`), created on first use: its server instances of both eras
 * and its HTTP transport's task subscriptions share them, and they are not part of its public API.
 */
export function tasksOf(host: object): ToolTasks {
  let tasks = stores.get(host);
  if (tasks === undefined) stores.set(host, (tasks = new ToolTasks()));
  return tasks;
}
