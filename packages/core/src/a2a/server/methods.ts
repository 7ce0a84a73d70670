// The A2A methods the endpoint implements: send (blocking, non-blocking, streaming), get and cancel
// a task. Runs `onMessage`, keeps tasks in the bounded store and reports handler failures.
import { randomUUID } from "node:crypto";
import type { A2AMessage, A2ATask } from "../types.js";
import { A2AErrorCode, A2ARpcError } from "./errors.js";
import type { A2AHandlerContext, A2AHandlerOptions } from "./handler-types.js";
import type { RpcMethods } from "./jsonrpc.js";
import { isObj, normalizeMessage, ShapeError, TERMINAL_STATES } from "./normalize.js";
import { rpcError, rpcResult, type Outcome } from "./outcome.js";
import { CANCELED, RequestContext, Scope, type RequestId } from "./scope.js";
import { TaskStore, type TaskEntry } from "./store.js";
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
import { streamTask } from "./task-stream.js";

type Obj = Record<string, unknown>;

/** What the methods need from the endpoint. */
export interface MethodOptions {
  onMessage: A2AHandlerOptions["onMessage"];
  streaming: boolean;
  textAsTask: boolean;
  maxTasks: number;
  /** Scopes still running after their request was answered (closed with the endpoint). */
  inflight: Set<Scope>;
  report: (err: unknown, method: string, requestId: RequestId) => void;
}

/** The implemented A2A methods over one task store. */
export class A2AMethods implements RpcMethods {
  readonly tasks: TaskStore;
  readonly #o: MethodOptions;
  readonly #remember = (task: A2ATask): void => this.tasks.set({ task });

  constructor(options: MethodOptions) {
    this.#o = options;
    this.tasks = new TaskStore(options.maxTasks);
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

    // A task exists before the handler runs: streaming and non-blocking sends.
    const task: A2ATask = {
      kind: "task",
      id: randomUUID(),
      contextId,
      status: { state: stream ? "working" : "submitted", timestamp: now() },
      history: [message],
    };
    const taskScope = stream ? scope : new Scope();
    const entry: TaskEntry = { task, cancel: (reason) => taskScope.abort(reason) };
    this.tasks.set(entry);
    const ctx = new RequestContext(taskScope, method, id, version, contextId, task.id);
    if (stream) {
      const { onMessage } = this.#o;
      const report = this.#o.report;
      return {
        status: 200,
        stream: streamTask({ id, method, version, entry, message, ctx, scope, onMessage, report }),
        scope,
      };
    }
    const snapshot = shapeTask(version, task);
    this.#o.inflight.add(taskScope);
    void this.#runBackground(entry, message, ctx, taskScope).finally(() =>
      this.#o.inflight.delete(taskScope),
    );
    return { status: 200, body: rpcResult(id, snapshot) };
  }

  getTask(id: RequestId, version: "0.3" | "1.0", params: Obj): Outcome {
    const entry = this.tasks.get(taskIdOf(params));
    if (entry === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
    let task = entry.task;
    const historyLength = params["historyLength"];
    if (typeof historyLength === "number" && historyLength >= 0 && task.history !== undefined) {
      task = { ...task, history: historyLength === 0 ? [] : task.history.slice(-historyLength) };
    }
    return { status: 200, body: rpcResult(id, shapeTask(version, task)) };
  }

  cancelTask(id: RequestId, version: "0.3" | "1.0", params: Obj): Outcome {
    const entry = this.tasks.get(taskIdOf(params));
    if (entry === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
    const task = entry.task;
    if (TERMINAL_STATES.has(task.status.state)) {
      return rpcError(
        id,
        A2AErrorCode.TaskNotCancelable,
        `Task is ${task.status.state} and cannot be canceled`,
      );
    }
    task.status = { state: "canceled", timestamp: now() };
    entry.cancel?.(CANCELED);
    entry.cancel = undefined;
    return { status: 200, body: rpcResult(id, shapeTask(version, task)) };
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
    try {
      const answer = toResult(result, message, contextId, this.#o.textAsTask, this.#remember);
      return { status: 200, body: rpcResult(id, shapeResult(version, answer)) };
    } catch (err) {
      return this.#handlerError(id, method, invalidResult(err));
    }
  }

  async #runBackground(
    entry: TaskEntry,
    message: A2AMessage,
    ctx: A2AHandlerContext,
    scope: Scope,
  ): Promise<void> {
    const task = entry.task;
    task.status = { state: "working", timestamp: now() };
    let result: unknown;
    try {
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
      entry.cancel = undefined;
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
