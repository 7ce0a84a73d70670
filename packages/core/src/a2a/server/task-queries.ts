// The methods that read or end a task the endpoint already holds: get, list (v1.0 `ListTasks`),
// cancel and resubscribe (task-subscribe.ts). They answer from the task store, scoped to the
// endpoint's workspace: another workspace's task is answered exactly as an unknown one.
import type { A2ATask } from "../types.js";
import { A2AErrorCode } from "./errors.js";
import { rpcError, rpcResult, type CallId, type Outcome } from "./outcome.js";
import { CANCELED, type Scope } from "./scope.js";
import {
  MemoryTaskStore,
  type A2ATaskStore,
  type TaskCancelResult,
  type TaskListPage,
  type TaskWatch,
} from "./store.js";
import type { TaskHub } from "./task-hub.js";
import { historyLengthOf, listRequestOf, listResult, taskIdOf } from "./task-params.js";
import { isThenable, shapeTask, withHistory } from "./task-results.js";
import { subscribe } from "./task-subscribe.js";

type Obj = Record<string, unknown>;
type Report = (err: unknown, method: string, requestId: CallId) => void;

/** What the queries share with the send methods (methods.ts). */
export interface QueryOptions {
  store: A2ATaskStore;
  workspaceId: string;
  streaming: boolean;
  maxSubscribers: number;
  /** How often a stream of a task run by another replica tells it so (task-life.ts). */
  followEveryMs: number;
  hub: TaskHub;
  /** The tasks whose handler runs here: a cancel aborts its scope. */
  running: ReadonlyMap<string, { task: A2ATask; scope: Scope }>;
  /** Called with a task this endpoint canceled (push notifications). */
  canceled: (task: A2ATask) => void;
  report: Report;
}

/**
 * Runs a store call and answers from its result, synchronously when the store is; a store that
 * fails is reported and answered `-32603`.
 */
export function storeCall<T>(
  id: CallId,
  method: string,
  op: () => T | Promise<T>,
  answer: (r: T) => Outcome | Promise<Outcome>,
  report: Report,
): Outcome | Promise<Outcome> {
  const failed = (err: unknown): Outcome => storeError(id, method, err, report);
  let r: T | Promise<T>;
  try {
    r = op();
  } catch (err) {
    return failed(err);
  }
  return isThenable(r) ? Promise.resolve(r).then(answer, failed) : answer(r);
}

/** The answer when the task store failed (reported; the caller sees no detail). */
export function storeError(id: CallId, method: string, err: unknown, report: Report): Outcome {
  report(err, method, id);
  return rpcError(id, A2AErrorCode.InternalError, "Internal error: the task store is unavailable");
}

/** `tasks/get`, `ListTasks`, `tasks/cancel` and `tasks/resubscribe`, in both dialects. */
export class TaskQueries {
  readonly #o: QueryOptions;
  /** The store's change notifications (tasks run elsewhere), once a stream follows one. */
  #changes: TaskWatch | undefined;

  constructor(options: QueryOptions) {
    this.#o = options;
  }

  getTask(id: CallId, version: "0.3" | "1.0", params: Obj): Outcome | Promise<Outcome> {
    const historyLength = historyLengthOf(params, "params.historyLength");
    const taskId = taskIdOf(params);
    const answer = (stored: A2ATask | undefined): Outcome => {
      if (stored === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
      const task = withHistory(stored, historyLength);
      return { status: 200, body: rpcResult(id, shapeTask(version, task)) };
    };
    const { store, workspaceId, report } = this.#o;
    return storeCall(id, "tasks/get", () => store.get(taskId, workspaceId), answer, report);
  }

  /**
   * v1.0 `ListTasks`: an empty page. The push path names no caller, so every caller would be shown
   * every other caller's tasks: none is listed (a caller keeps the ids its sends return, and reads
   * each with `GetTask`). The request is still checked (`-32602` for a bad one).
   */
  listTasks(id: CallId, params: Obj): Outcome {
    const request = listRequestOf(params);
    const page: TaskListPage = { tasks: [], nextPageToken: "", totalSize: 0 };
    return { status: 200, body: rpcResult(id, listResult(page, request)) };
  }

  cancelTask(id: CallId, version: "0.3" | "1.0", params: Obj): Outcome | Promise<Outcome> {
    const taskId = taskIdOf(params);
    const answer = (r: TaskCancelResult): Outcome => {
      if (r.status === "not_found") {
        return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
      }
      if (r.status === "not_cancelable") {
        return rpcError(
          id,
          A2AErrorCode.TaskNotCancelable,
          `Task is ${r.task.status.state} and cannot be canceled`,
        );
      }
      this.#o.running.get(taskId)?.scope.abort(CANCELED); // other replicas learn it from the store
      this.#o.hub.emit(taskId, r.task);
      this.#o.canceled(r.task);
      return { status: 200, body: rpcResult(id, shapeTask(version, r.task)) };
    };
    const { store, workspaceId, report } = this.#o;
    return storeCall(id, "tasks/cancel", () => store.cancel(taskId, workspaceId), answer, report);
  }

  /**
   * `tasks/resubscribe` / `SubscribeToTask`: a stream of a task's updates (see task-subscribe.ts);
   * needs `streaming`, like the official SDK.
   */
  resubscribe(
    id: CallId,
    version: "0.3" | "1.0",
    params: Obj,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    const method = version === "0.3" ? "tasks/resubscribe" : "SubscribeToTask";
    const o = this.#o;
    if (!o.streaming) {
      return rpcError(
        id,
        A2AErrorCode.UnsupportedOperation,
        `Streaming is not enabled on this agent, so ${method} is not either; poll tasks/get (GetTask)`,
      );
    }
    const taskId = taskIdOf(params);
    return subscribe({
      id,
      version,
      method,
      taskId,
      workspaceId: o.workspaceId,
      maxSubscribers: o.maxSubscribers,
      followEveryMs: o.followEveryMs,
      scope,
      store: o.store,
      hub: o.hub,
      local: o.running.get(taskId)?.task,
      allLocal: o.store instanceof MemoryTaskStore,
      follow: () => this.#follow(),
      report: o.report,
    });
  }

  /** Follows the store's task changes (once), when it can report them; resolves once they flow. */
  #follow(): Promise<void> | undefined {
    const { store, hub } = this.#o;
    if (store.watchChanges === undefined) return undefined;
    this.#changes ??= store.watchChanges((taskId) => hub.emit(taskId));
    return this.#changes.ready;
  }

  /** Stops following the store's changes. */
  async close(): Promise<void> {
    const changes = this.#changes;
    this.#changes = undefined;
    await changes?.close();
  }
}
