// The send methods (blocking, non-blocking, streaming; get, list, cancel and resubscribe are in
// task-queries.ts, whether a message may continue a task in task-continuation.ts): runs
// `onMessage`, keeps tasks in the task store (in memory, or shared by replicas), aborts a task
// canceled through any replica, reports each change of a task to its resubscribed streams and its
// webhooks (push notifications), and reports handler failures. A streamed task's chunks are kept
// in a shared store by stream-keeper.ts.
import type { A2AMessage, A2ATask } from "../types.js";
import type { ContextIds } from "./context-ids.js";
import { contentFingerprint, markContextIssued, markOwnContext, newTaskId } from "./derived-id.js";
import { A2AErrorCode, A2ARpcError } from "./errors.js";
import type { A2AHandlerContext, A2AHandlerOptions } from "./handler-types.js";
import type { RpcMethods } from "./dispatch.js";
import {
  checkInboundMessage,
  checkRoleNamed,
  isObj,
  normalizeMessage,
  ShapeError,
  TERMINAL_STATES,
} from "./normalize.js";
import { requestIdOf, rpcError, rpcResult, type CallId, type Outcome } from "./outcome.js";
import { CANCELED, RequestContext, Scope } from "./scope.js";
import { sendPushConfig, type TaskPushConfig } from "./push-config.js";
import { MemoryTaskStore, type A2ATaskStore, type TaskWatch } from "./store.js";
import {
  collectText,
  failedStatus,
  invalidResult,
  isAsyncIterable,
  isThenable,
  now,
  settleTask,
  shapeResult,
  toResult,
  toTaskResult,
  withHistory,
} from "./task-results.js";
import { TaskHub } from "./task-hub.js";
import { historyLengthOf } from "./task-params.js";
import { storeCall, storeError, TaskQueries } from "./task-queries.js";
import { attached, canceledStatus, TaskLifetimes } from "./task-life.js";
import { streamTask } from "./task-stream.js";
import { continuationRefusal } from "./task-continuation.js";
import { streamKeeper } from "./stream-keeper.js";

type Obj = Record<string, unknown>;

/** What the methods need from the endpoint. */
export interface MethodOptions {
  onMessage: A2AHandlerOptions["onMessage"];
  streaming: boolean;
  textAsTask: boolean;
  /** Where tasks are kept: the caller's store, or a bounded in-memory one. */
  store: A2ATaskStore;
  /** The workspace the endpoint serves: its tasks are stored for it, and only its tasks answered. */
  workspaceId: string;
  /** Resubscribed streams one task may have at once. */
  maxSubscribers: number;
  /** How long a streamed task runs on with no stream following it (task-life.ts). */
  unwatchedTaskTtlMs: number;
  /** Issues the conversation id of a message that names none. */
  contexts: ContextIds;
  /** Most bytes (JSON) of one task's history: a continuation past it is refused. */
  maxHistoryBytes: number;
  /** Scopes still running after their request was answered (closed with the endpoint). */
  inflight: Set<Scope>;
  report: (err: unknown, method: string, requestId: CallId) => void;
  /** Push notifications, when served: a send's webhook is checked, then kept with its task. */
  push?: {
    check(config: TaskPushConfig): Promise<string | undefined>;
    attach(task: A2ATask, config: TaskPushConfig): void | Promise<void>;
  };
  /** Called with each stored change of a task (its webhooks are notified). */
  notify?: (task: A2ATask) => void;
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
  /** The store's notices of streams of other replicas following tasks run here. */
  #follows: TaskWatch | undefined;
  /** Changes of tasks, for resubscribed streams (their number times an unwatched task). */
  readonly #hub = new TaskHub((taskId) => this.#lifetimes.changed(taskId));
  /** How long the streamed tasks running here live. */
  readonly #lifetimes: TaskLifetimes;
  /** get, list, cancel and resubscribe, over the same tasks. */
  readonly queries: TaskQueries;

  constructor(options: MethodOptions) {
    this.#o = options;
    this.#store = options.store;
    this.#lifetimes = new TaskLifetimes(() => this.#hub, options.unwatchedTaskTtlMs);
    this.queries = new TaskQueries({
      ...options,
      followEveryMs: Math.max(1, Math.floor(options.unwatchedTaskTtlMs / 3)),
      hub: this.#hub,
      running: this.#running,
      canceled: (task) => options.notify?.(task),
    });
  }

  send(
    id: CallId,
    method: string,
    version: "0.3" | "1.0",
    params: Obj,
    stream: boolean,
    scope: Scope,
    extensions: readonly string[] = [],
  ): Outcome | Promise<Outcome> {
    if (params["message"] === undefined) {
      return rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params.message is required");
    }
    const message = normalizeMessage(params["message"]);
    checkRoleNamed(params["message"]);
    checkInboundMessage(message);
    const config = params["configuration"];
    if (config !== undefined && config !== null && !isObj(config)) {
      throw new ShapeError("params.configuration must be an object");
    }
    const historyLength = historyLengthOf(config ?? {}, "params.configuration.historyLength");
    if (stream && !this.#o.streaming) {
      return rpcError(
        id,
        A2AErrorCode.UnsupportedOperation,
        "Streaming is not enabled on this agent; use message/send (SendMessage)",
      );
    }
    const background =
      !stream &&
      isObj(config) &&
      (config["blocking"] === false || config["returnImmediately"] === true);
    const mode = stream ? "stream" : background ? "background" : "blocking";
    const go: Go = { id, method, version, message, mode, scope, historyLength, extensions };
    const push = this.#o.push === undefined ? undefined : sendPushConfig(config, version);
    if (push === undefined) return this.#route(go);
    // The webhook's address is checked before anything runs (a refused one refuses the send).
    return this.#o.push!.check(push).then((refusal) => {
      if (refusal !== undefined) return rpcError(id, A2AErrorCode.InvalidParams, refusal);
      return this.#route({ ...go, push });
    });
  }

  /** A checked send: the continuation of a task, a blocking send, or a new task. */
  #route(go: Go): Outcome | Promise<Outcome> {
    const { id, method, version, message, mode, scope } = go;
    if (message.taskId !== undefined) {
      return storeCall(
        id,
        method,
        () => this.#store.get(message.taskId!, this.#o.workspaceId),
        (task) => this.#continue(go, task),
        this.#o.report,
      );
    }
    // The caller's conversation, else one issued for the message (its resends land in it too, and
    // only this endpoint can compute it). The handler sees it on the message.
    const issue = message.contextId === undefined;
    const contextId = this.#o.contexts.of(
      message.contextId,
      `${message.messageId}\0${issue ? contentFingerprint({ parts: message.parts }) : ""}`,
    );
    if (issue) {
      markContextIssued(message);
      markOwnContext(message);
    }
    message.contextId = contextId;
    const stream = mode === "stream";

    if (mode === "blocking") {
      const rid = requestIdOf(id);
      const ctx = new RequestContext(
        scope,
        method,
        rid,
        version,
        contextId,
        undefined,
        [],
        go.extensions,
      );
      let result: unknown;
      try {
        result = this.#o.onMessage(message, ctx);
      } catch (err) {
        return this.#handlerError(id, method, err);
      }
      const answer = (r: unknown): Outcome | Promise<Outcome> => this.#answer(go, r, contextId);
      if (isThenable(result)) {
        return Promise.resolve(result).then(answer, (err: unknown) =>
          this.#handlerError(id, method, err),
        );
      }
      return answer(result);
    }

    // A task exists (and is stored) before the handler runs: streaming and non-blocking sends.
    const taskId = newTaskId();
    const task: A2ATask = {
      kind: "task",
      id: taskId,
      contextId,
      status: { state: stream ? "working" : "submitted", timestamp: now() },
      history: [{ ...message, taskId, contextId }],
    };
    return this.#start(go, task, []);
  }

  /** A message that continues the task `stored` (`message.taskId`): same id, same context. */
  #continue(go: Go, stored: A2ATask | undefined): Outcome | Promise<Outcome> {
    const { id, message } = go;
    if (stored === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
    const running = this.#running.has(stored.id);
    const refused = continuationRefusal(go, stored, running, this.#o.maxHistoryBytes);
    if (refused !== undefined) return refused;
    const prior = stored.history ?? [];
    message.contextId = stored.contextId;
    // Reached by the task's id: the conversation is the endpoint's own when it issued its id.
    if (this.#o.contexts.issued(stored.contextId)) markOwnContext(message);
    const task: A2ATask = {
      ...stored,
      status: { state: "working", timestamp: now() },
      history: [...prior, { ...message, taskId: stored.id, contextId: stored.contextId }],
    };
    return this.#start(go, task, prior);
  }

  /**
   * Stores `task` (new, or continued), runs the handler for it and answers: a stream of its
   * updates, its snapshot (non-blocking), or its final state (blocking).
   */
  #start(go: Go, task: A2ATask, prior: readonly A2AMessage[]): Outcome | Promise<Outcome> {
    const { id, method, version, message, mode, scope, historyLength } = go;
    const stream = mode === "stream";
    const contextId = task.contextId;
    // A blocking send's handler runs for its request; a task outlives the request that started it.
    const taskScope = mode === "blocking" ? scope : new Scope();
    const rid = requestIdOf(id);
    const ctx = new RequestContext(
      taskScope,
      method,
      rid,
      version,
      contextId,
      task.id,
      prior,
      go.extensions,
    );
    const run = (): Outcome | Promise<Outcome> => {
      if (mode === "blocking") {
        return this.#runBackground(task, message, ctx, taskScope).then(() => ({
          status: 200,
          body: rpcResult(id, shapeResult(version, withHistory(task, historyLength))),
        }));
      }
      if (stream) {
        const { onMessage, report } = this.#o;
        const persist = (): void | Promise<void> => this.#persist(task, method, id);
        const finished = (): void => {
          if (this.#running.get(task.id)?.scope === taskScope) this.#running.delete(task.id);
          this.#lifetimes.ended(task.id, taskScope);
          this.#o.inflight.delete(taskScope);
        };
        const keep =
          this.#store.watchChanges === undefined
            ? undefined
            : streamKeeper(
                () => this.#store.save(task, this.#o.workspaceId),
                (err) => report(err, method, id),
                this.#writes,
              );
        const changed = (): void => {
          this.#hub.emit(task.id, task);
          keep?.();
        };
        const frames = { id: id as CallId, method, version, task, message, ctx, scope: taskScope };
        const hooks = { onMessage, report };
        this.#o.inflight.add(taskScope);
        this.#follows ??= this.#store.watchFollows?.((taskId) =>
          this.#lifetimes.followedElsewhere(taskId),
        );
        const detached = this.#lifetimes.started(task.id, taskScope, (reason) => {
          taskScope.abort(reason);
          if (TERMINAL_STATES.has(task.status.state)) return;
          task.status = canceledStatus(task, reason); // also when the handler ignores its signal
          void persist();
        });
        const run = streamTask({ ...frames, ...hooks, persist, finished, changed });
        const report1 = (err: unknown): void => report(err, method, id);
        return { status: 200, stream: attached(run, scope, detached, report1), scope };
      }
      // The answer is serialised before the handler starts: it changes the task in place.
      const body = rpcResult(id, shapeResult(version, withHistory(task, historyLength)));
      this.#o.inflight.add(taskScope);
      void this.#runBackground(task, message, ctx, taskScope).finally(() =>
        this.#o.inflight.delete(taskScope),
      );
      return { status: 200, body };
    };
    let begun: void | Promise<void>;
    try {
      begun = this.#begin(task, taskScope);
      // The webhook is kept with the task once it is stored, and told its state at once.
      if (go.push !== undefined) begun = then(begun, () => this.#withPush(task, go.push!));
    } catch (err) {
      return storeError(id, method, err, this.#o.report);
    }
    return isThenable(begun)
      ? begun.then(run, (err: unknown) => storeError(id, method, err, this.#o.report))
      : run();
  }

  /** Keeps a send's webhook with its (stored) task and notifies it of the task's state. */
  #withPush(task: A2ATask, config: TaskPushConfig): void | Promise<void> {
    return then(this.#o.push!.attach(task, config), () => this.#o.notify?.(task));
  }

  /** Aborts the tasks running here (stored as `canceled`) and stops watching the store. */
  async close(reason: unknown): Promise<void> {
    this.#lifetimes.close();
    for (const { task, scope } of this.#running.values()) {
      scope.abort(reason);
      if (!TERMINAL_STATES.has(task.status.state)) {
        task.status = { state: "canceled", timestamp: now() };
        void this.#persist(task, "close", null);
      }
    }
    this.#running.clear();
    while (this.#writes.size > 0) await Promise.allSettled(this.#writes);
    const watches = [this.#watch, this.#follows];
    this.#watch = this.#follows = undefined;
    for (const w of watches) await w?.close();
    await this.queries.close();
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
      const ws = this.#o.workspaceId;
      const saved = watching
        ? watching.then(() => this.#store.save(task, ws))
        : this.#store.save(task, ws);
      return isThenable(saved) ? Promise.resolve(saved).then(undefined, fail) : undefined;
    } catch (err) {
      return fail(err);
    }
  }

  /** Stores the task's current state; failures go to `report` (the task runs on). */
  #persist(task: A2ATask, method: string, id: CallId): void | Promise<void> {
    let saved: void | Promise<void>;
    try {
      saved = this.#store.save(task, this.#o.workspaceId);
    } catch (err) {
      this.#o.report(err, method, id);
      return;
    }
    this.#hub.emit(task.id, task);
    const notify = this.#o.notify;
    if (!isThenable(saved)) return notify?.(task);
    const write: Promise<void> = Promise.resolve(saved)
      .then(
        () => notify?.(task),
        (err: unknown) => this.#o.report(err, method, id),
      )
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
    return write;
  }

  #handlerError(id: CallId, method: string, err: unknown): Outcome {
    if (err instanceof A2ARpcError) return rpcError(id, err.code, err.message, err.data);
    this.#o.report(err, method, id);
    return rpcError(id, A2AErrorCode.InternalError, "Internal error");
  }

  /** The answer to a blocking send, once the handler's result is known. */
  #answer(go: Go, result: unknown, contextId: string): Outcome | Promise<Outcome> {
    const { id, method, version, message, historyLength } = go;
    if (isAsyncIterable(result)) {
      return collectText(result, go.scope).then(
        (text) => this.#answer(go, text, contextId),
        (err: unknown) => this.#handlerError(id, method, err),
      );
    }
    const saves: Array<void | Promise<void>> = [];
    const remember = (task: A2ATask): void => {
      const saved = this.#persist(task, method, id);
      saves.push(go.push === undefined ? saved : then(saved, () => this.#withPush(task, go.push!)));
    };
    let out: Outcome;
    try {
      const answer = toResult(result, message, contextId, this.#o.textAsTask, remember);
      const shaped = answer.kind === "task" ? withHistory(answer, historyLength) : answer;
      out = { status: 200, body: rpcResult(id, shapeResult(version, shaped)) };
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
      settleTask(task, toTaskResult(result, message, task));
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

/** A send, continued or new, on its way to the handler. */
interface Go {
  id: CallId;
  method: string;
  version: "0.3" | "1.0";
  message: A2AMessage;
  mode: "blocking" | "background" | "stream";
  scope: Scope;
  historyLength: number | undefined;
  /** The extensions the caller asked for that the card declares. */
  extensions: readonly string[];
  /** The webhook the send carries, checked. */
  push?: TaskPushConfig;
}

/** `next` after `first` (at once when `first` is not a promise). */
function then(first: void | Promise<void>, next: () => void | Promise<void>): void | Promise<void> {
  return isThenable(first) ? first.then(next) : next();
}
