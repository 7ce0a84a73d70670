// The A2A methods the endpoint implements: send (blocking, non-blocking, streaming), get, cancel
// and resubscribe to a task. Runs `onMessage`, keeps tasks in the task store (in memory, or shared
// by replicas), aborts a task canceled through any replica, reports each change of a task to its
// resubscribed streams, and reports handler failures.
import { randomUUID } from "node:crypto";
import type { A2AMessage, A2ATask } from "../types.js";
import { A2AErrorCode, A2ARpcError } from "./errors.js";
import type { A2AHandlerContext, A2AHandlerOptions } from "./handler-types.js";
import type { RpcMethods } from "./jsonrpc.js";
import { isObj, normalizeMessage, ShapeError, TERMINAL_STATES } from "./normalize.js";
import { rpcError, rpcResult, type Outcome } from "./outcome.js";
import { CANCELED, RequestContext, Scope, type RequestId } from "./scope.js";
import {
  MemoryTaskStore,
  type A2ATaskStore,
  type TaskCancelResult,
  type TaskWatch,
} from "./store.js";
import {
  collectText,
  failedStatus,
  invalidResult,
  isAsyncIterable,
  isThenable,
  now,
  shapeResult,
  shapeTask,
  toResult,
  toTaskResult,
} from "./task-results.js";
import { TaskHub } from "./task-hub.js";
import { streamTask } from "./task-stream.js";
import { subscribe } from "./task-subscribe.js";

type Obj = Record<string, unknown>;

/** What the methods need from the endpoint. */
export interface MethodOptions {
  onMessage: A2AHandlerOptions["onMessage"];
  streaming: boolean;
  textAsTask: boolean;
  /** Where tasks are kept: the caller's store, or a bounded in-memory one. */
  store: A2ATaskStore;
  /** Scopes still running after their request was answered (closed with the endpoint). */
  inflight: Set<Scope>;
  report: (err: unknown, method: string, requestId: RequestId) => void;
}

/** A task running in this process. */
interface Running {
  task: A2ATask;
  scope: Scope;
}

/** The implemented A2A methods over one task store. */
export class A2AMethods implements RpcMethods {
  readonly #o: MethodOptions;
  readonly #store: A2ATaskStore;
  /** Tasks whose handler runs here, by id: a cancel (from any replica) aborts their scope. */
  readonly #running = new Map<string, Running>();
  /** Task writes not finished yet (awaited by `close`). */
  readonly #writes = new Set<Promise<void>>();
  #watch: TaskWatch | undefined;
  /** Changes of tasks, for resubscribed streams. */
  readonly #hub = new TaskHub();
  /** The store's change notifications (tasks run elsewhere), once a stream follows one. */
  #changes: TaskWatch | undefined;

  constructor(options: MethodOptions) {
    this.#o = options;
    this.#store = options.store;
  }

  send(
    id: RequestId,
    method: string,
    version: "0.3" | "1.0",
    params: Obj,
    stream: boolean,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    if (params["message"] === undefined) {
      return rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params.message is required");
    }
    const message = normalizeMessage(params["message"]);
    if (stream && !this.#o.streaming) {
      return rpcError(
        id,
        A2AErrorCode.UnsupportedOperation,
        "Streaming is not enabled on this agent; use message/send (SendMessage)",
      );
    }
    const config = params["configuration"];
    const background =
      !stream &&
      isObj(config) &&
      (config["blocking"] === false || config["returnImmediately"] === true);
    const contextId = message.contextId ?? randomUUID();

    if (!stream && !background) {
      const ctx = new RequestContext(scope, method, id, version, contextId, undefined);
      let result: unknown;
      try {
        result = this.#o.onMessage(message, ctx);
      } catch (err) {
        return this.#handlerError(id, method, err);
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          (r) => this.#answer(id, method, version, r, message, contextId, scope),
          (err: unknown) => this.#handlerError(id, method, err),
        );
      }
      return this.#answer(id, method, version, result, message, contextId, scope);
    }

    // A task exists (and is stored) before the handler runs: streaming and non-blocking sends.
    const task: A2ATask = {
      kind: "task",
      id: randomUUID(),
      contextId,
      status: { state: stream ? "working" : "submitted", timestamp: now() },
      history: [message],
    };
    const taskScope = stream ? scope : new Scope();
    const ctx = new RequestContext(taskScope, method, id, version, contextId, task.id);
    const run = (): Outcome => {
      if (stream) {
        const { onMessage, report } = this.#o;
        const persist = (): void | Promise<void> => this.#persist(task, method, id);
        const finished = (): void => void this.#running.delete(task.id);
        const changed = (): void => this.#hub.emit(task.id, task);
        const frames = { id, method, version, task, message, ctx, scope, onMessage, report };
        return {
          status: 200,
          stream: streamTask({ ...frames, persist, finished, changed }),
          scope,
        };
      }
      const snapshot = shapeResult(version, task); // v1.0: {task}, a SendMessageResponse
      this.#o.inflight.add(taskScope);
      void this.#runBackground(task, message, ctx, taskScope).finally(() =>
        this.#o.inflight.delete(taskScope),
      );
      return { status: 200, body: rpcResult(id, snapshot) };
    };
    let begun: void | Promise<void>;
    try {
      begun = this.#begin(task, taskScope);
    } catch (err) {
      return this.#storeError(id, method, err);
    }
    return isThenable(begun)
      ? begun.then(run, (err: unknown) => this.#storeError(id, method, err))
      : run();
  }

  getTask(id: RequestId, version: "0.3" | "1.0", params: Obj): Outcome | Promise<Outcome> {
    const historyLength = params["historyLength"];
    const answer = (stored: A2ATask | undefined): Outcome => {
      if (stored === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
      let task = stored;
      if (typeof historyLength === "number" && historyLength >= 0 && task.history !== undefined) {
        task = { ...task, history: historyLength === 0 ? [] : task.history.slice(-historyLength) };
      }
      return { status: 200, body: rpcResult(id, shapeTask(version, task)) };
    };
    return this.#call(id, "tasks/get", () => this.#store.get(taskIdOf(params)), answer);
  }

  cancelTask(id: RequestId, version: "0.3" | "1.0", params: Obj): Outcome | Promise<Outcome> {
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
      this.#running.get(taskId)?.scope.abort(CANCELED); // other replicas learn it from the store
      this.#hub.emit(taskId, r.task);
      return { status: 200, body: rpcResult(id, shapeTask(version, r.task)) };
    };
    return this.#call(id, "tasks/cancel", () => this.#store.cancel(taskId), answer);
  }

  /**
   * `tasks/resubscribe` / `SubscribeToTask`: a stream of a task's updates (see task-subscribe.ts);
   * needs `streaming`, like the official SDK.
   */
  resubscribe(
    id: RequestId,
    version: "0.3" | "1.0",
    params: Obj,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    const method = version === "0.3" ? "tasks/resubscribe" : "SubscribeToTask";
    if (!this.#o.streaming) {
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
      scope,
      store: this.#store,
      hub: this.#hub,
      local: this.#running.get(taskId)?.task,
      follow: () => this.#follow(),
      report: this.#o.report,
    });
  }

  /** Follows the store's task changes (once), when it can report them; resolves once they flow. */
  #follow(): Promise<void> | undefined {
    if (this.#store.watchChanges === undefined) return undefined;
    this.#changes ??= this.#store.watchChanges((taskId) => this.#hub.emit(taskId));
    return this.#changes.ready;
  }

  /** Aborts the tasks running here (stored as `canceled`) and stops watching the store. */
  async close(reason: unknown): Promise<void> {
    for (const { task, scope } of this.#running.values()) {
      scope.abort(reason);
      if (!TERMINAL_STATES.has(task.status.state)) {
        task.status = { state: "canceled", timestamp: now() };
        void this.#persist(task, "close", null);
      }
    }
    this.#running.clear();
    while (this.#writes.size > 0) await Promise.allSettled(this.#writes);
    const watch = this.#watch;
    const changes = this.#changes;
    this.#watch = this.#changes = undefined;
    await watch?.close();
    await changes?.close();
    if (this.#store instanceof MemoryTaskStore) this.#store.clear();
  }

  /** Registers a new task as running here and stores it (after the cancel watch is live). */
  #begin(task: A2ATask, scope: Scope): void | Promise<void> {
    if (this.#store.watch !== undefined && this.#watch === undefined) {
      this.#watch = this.#store.watch((taskId) => {
        this.#running.get(taskId)?.scope.abort(CANCELED);
        this.#hub.emit(taskId); // its streams read the canceled task from the store
      });
    }
    this.#running.set(task.id, { task, scope });
    const fail = (err: unknown): never => {
      this.#running.delete(task.id);
      throw err;
    };
    const watching = this.#watch?.ready;
    try {
      const saved = watching ? watching.then(() => this.#store.save(task)) : this.#store.save(task);
      return isThenable(saved) ? Promise.resolve(saved).then(undefined, fail) : undefined;
    } catch (err) {
      return fail(err);
    }
  }

  /** Stores the task's current state; failures go to `report` (the task runs on). */
  #persist(task: A2ATask, method: string, id: RequestId): void | Promise<void> {
    let saved: void | Promise<void>;
    try {
      saved = this.#store.save(task);
    } catch (err) {
      this.#o.report(err, method, id);
      return;
    }
    this.#hub.emit(task.id, task);
    if (!isThenable(saved)) return;
    const write: Promise<void> = Promise.resolve(saved)
      .catch((err: unknown) => this.#o.report(err, method, id))
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
    return write;
  }

  /** Runs a store call and answers from its result, synchronously when the store is. */
  #call<T>(
    id: RequestId,
    method: string,
    op: () => T | Promise<T>,
    answer: (r: T) => Outcome,
  ): Outcome | Promise<Outcome> {
    const r = op();
    return isThenable(r)
      ? Promise.resolve(r).then(answer, (err: unknown) => this.#storeError(id, method, err))
      : answer(r);
  }

  #storeError(id: RequestId, method: string, err: unknown): Outcome {
    this.#o.report(err, method, id);
    return rpcError(
      id,
      A2AErrorCode.InternalError,
      "Internal error: the task store is unavailable",
    );
  }

  #handlerError(id: RequestId, method: string, err: unknown): Outcome {
    if (err instanceof A2ARpcError) return rpcError(id, err.code, err.message, err.data);
    this.#o.report(err, method, id);
    return rpcError(id, A2AErrorCode.InternalError, "Internal error");
  }

  /** The answer to a blocking send, once the handler's result is known. */
  #answer(
    id: RequestId,
    method: string,
    version: "0.3" | "1.0",
    result: unknown,
    message: A2AMessage,
    contextId: string,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    if (isAsyncIterable(result)) {
      return collectText(result, scope).then(
        (text) => this.#answer(id, method, version, text, message, contextId, scope),
        (err: unknown) => this.#handlerError(id, method, err),
      );
    }
    const saves: Array<void | Promise<void>> = [];
    const remember = (task: A2ATask): void => void saves.push(this.#persist(task, method, id));
    let out: Outcome;
    try {
      const answer = toResult(result, message, contextId, this.#o.textAsTask, remember);
      out = { status: 200, body: rpcResult(id, shapeResult(version, answer)) };
    } catch (err) {
      return this.#handlerError(id, method, invalidResult(err));
    }
    // The task is stored before the caller learns its id (so tasks/get finds it on any replica).
    const saved = saves[0];
    return isThenable(saved) ? saved.then(() => out) : out;
  }

  async #runBackground(
    task: A2ATask,
    message: A2AMessage,
    ctx: A2AHandlerContext,
    scope: Scope,
  ): Promise<void> {
    task.status = { state: "working", timestamp: now() };
    let result: unknown;
    try {
      // A shared store shows the task "working" (on every replica) before its handler runs.
      const working = this.#persist(task, ctx.method, ctx.requestId);
      if (working !== undefined) await working;
      if (scope.aborted) return;
      result = await this.#o.onMessage(message, ctx);
      if (isAsyncIterable(result)) result = await collectText(result, scope);
      if (scope.aborted) return;
      const final = toTaskResult(result, message, task);
      task.status = final.status;
      if (final.artifacts !== undefined) task.artifacts = final.artifacts;
    } catch (err) {
      if (scope.aborted) return;
      if (!(err instanceof A2ARpcError)) this.#o.report(err, ctx.method, ctx.requestId);
      task.status = failedStatus(task.contextId);
    } finally {
      if (this.#running.get(task.id)?.scope === scope) this.#running.delete(task.id);
      if (scope.aborted && !TERMINAL_STATES.has(task.status.state)) {
        task.status = { state: "canceled", timestamp: now() };
      }
      await this.#persist(task, ctx.method, ctx.requestId);
    }
  }
}

/** The task id of `tasks/get` (`params.id`) or `GetTask` (`params.name` = `tasks/<id>`). */
function taskIdOf(params: Obj): string {
  const tid = params["id"];
  if (typeof tid === "string" && tid !== "") return tid;
  const name = params["name"];
  if (typeof name === "string" && name.startsWith("tasks/")) return name.slice(6);
  throw new ShapeError("params.id must be a non-empty string");
}
