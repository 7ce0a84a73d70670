// `message/stream` / `SendStreamingMessage`: runs the handler for a task and yields its SSE frames
// (the task, artifact chunks as they come, the final status) in the caller's dialect.
import { randomUUID } from "../../runtime/index.js";
import { artifactToV1, statusToV1, taskToV1 } from "../to-v1.js";
import type { A2AMessage, A2ATask } from "../types.js";
import { A2ARpcError } from "./errors.js";
import type { A2AHandlerContext, A2AHandlerOptions } from "./handler-types.js";
import { ShapeError, TERMINAL_STATES } from "./normalize.js";
import { rpcResult, type CallId } from "./outcome.js";
import type { Scope } from "./scope.js";
import { canceledStatus } from "./task-life.js";
import {
  failedStatus,
  invalidResult,
  isAsyncIterable,
  now,
  settleTask,
  toTaskResult,
} from "./task-results.js";

/** What one streamed task needs. */
export interface StreamedTask {
  id: CallId;
  method: string;
  version: "0.3" | "1.0";
  /** The task, already stored; its state changes in place. */
  task: A2ATask;
  message: A2AMessage;
  ctx: A2AHandlerContext;
  scope: Scope;
  onMessage: A2AHandlerOptions["onMessage"];
  report: (err: unknown, method: string, requestId: CallId) => void;
  /** Stores the task's current state (failures are reported by it). */
  persist: () => void | Promise<void>;
  /** Called once the handler is done with the task (maybe more than once). */
  finished: () => void;
  /** Called after each streamed chunk (the task's artifact grew). */
  changed: () => void;
}

/** Frame builders bound to one task and one dialect (they read the task when called). */
export function framer(id: CallId, version: "0.3" | "1.0", task: A2ATask) {
  const frame = (result: unknown): string => `data: ${rpcResult(id, result)}\n\n`;
  return {
    task: (): string => frame(version === "0.3" ? task : { task: taskToV1(task) }),
    status: (): string =>
      version === "0.3"
        ? frame({
            kind: "status-update",
            taskId: task.id,
            contextId: task.contextId,
            status: task.status,
            final:
              TERMINAL_STATES.has(task.status.state) ||
              task.status.state === "input-required" ||
              task.status.state === "auth-required",
          })
        : frame({
            statusUpdate: {
              taskId: task.id,
              contextId: task.contextId,
              status: statusToV1(task.status),
            },
          }),
    artifact: (
      artifact: NonNullable<A2ATask["artifacts"]>[number],
      append: boolean,
      lastChunk: boolean,
    ): string =>
      version === "0.3"
        ? frame({
            kind: "artifact-update",
            taskId: task.id,
            contextId: task.contextId,
            artifact,
            append,
            lastChunk,
          })
        : frame({
            artifactUpdate: {
              taskId: task.id,
              contextId: task.contextId,
              artifact: artifactToV1(artifact),
              append,
              lastChunk,
            },
          }),
  };
}

/**
 * The SSE frames of one streamed task's run; aborting its scope (a cancel, the endpoint closing,
 * nobody following it: task-life.ts) ends the task as `canceled`.
 */
export async function* streamTask(s: StreamedTask): AsyncGenerator<string, void, undefined> {
  const { task, scope } = s;
  const frames = framer(s.id, s.version, task);
  try {
    yield frames.task();
    let result: unknown;
    try {
      result = await s.onMessage(s.message, s.ctx);
      if (result === "") result = undefined; // nothing to stream: no artifact
      if (isAsyncIterable(result)) {
        const artifactId = randomUUID();
        let text = "";
        let n = 0;
        for await (const chunk of result) {
          if (scope.aborted) break;
          if (typeof chunk !== "string") throw new ShapeError("streamed chunks must be strings");
          if (chunk === "") continue;
          text += chunk;
          task.artifacts = [{ artifactId, parts: [{ kind: "text", text }] }];
          s.changed();
          yield frames.artifact(
            { artifactId, parts: [{ kind: "text", text: chunk }] },
            n > 0,
            false,
          );
          n++;
        }
        if (!scope.aborted) {
          // Chunks go out as they come, so the end of the artifact is one more, empty, chunk.
          if (n > 0)
            yield frames.artifact({ artifactId, parts: [{ kind: "text", text: "" }] }, true, true);
          task.status = { state: "completed", timestamp: now() };
        }
      } else if (!scope.aborted) {
        const final = toTaskResult(result, s.message, task);
        settleTask(task, final);
        for (const artifact of final.artifacts ?? []) yield frames.artifact(artifact, false, true);
      }
    } catch (err) {
      if (!scope.aborted) {
        if (!(err instanceof A2ARpcError)) s.report(invalidResult(err), s.method, s.id);
        task.status = failedStatus(task.contextId);
      }
    }
    s.finished();
    if (scope.aborted && !TERMINAL_STATES.has(task.status.state)) {
      task.status = canceledStatus(task, scope.reason);
    }
    await s.persist();
    yield frames.status();
  } finally {
    s.finished();
    if (scope.aborted && !TERMINAL_STATES.has(task.status.state)) {
      task.status = canceledStatus(task, scope.reason);
      void s.persist();
    }
  }
}
