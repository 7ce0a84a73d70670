// How long a streamed task lives: until it ends or is canceled, never because a stream closed
// (A2A v1.0.1 §3.5.2). A cut `message/stream` / `SendStreamingMessage` connection leaves the
// task running; its changes go on into the task (stored, bounded as its history is), so a
// resubscription gets what it missed. A task that no stream follows (its own gone, no
// resubscription here, no notice from another replica's: A2ATaskStore.followed) for `ttlMs` is
// canceled with the reason UNWATCHED; a process paused past that time first reads what came.
import { randomUUID } from "../../runtime/index.js";
import { MoleculeError, ranLate } from "../../transport/index.js";
import type { A2ATask } from "../types.js";
import type { Scope } from "./scope.js";
import type { TaskHub } from "./task-hub.js";
import { now } from "./task-results.js";

/** The error code of a task canceled because no stream followed it. */
const UNWATCHED = "task_unwatched";

/** The status of a task whose scope was aborted: `canceled`, saying why when nobody followed it. */
export function canceledStatus(task: A2ATask, reason: unknown): A2ATask["status"] {
  const status: A2ATask["status"] = { state: "canceled", timestamp: now() };
  if (reason instanceof MoleculeError && reason.code === UNWATCHED) {
    status.message = {
      kind: "message",
      messageId: randomUUID(),
      role: "agent",
      parts: [{ kind: "text", text: reason.message }],
      contextId: task.contextId,
    };
  }
  return status;
}

interface Life {
  scope: Scope;
  /** Cancels the task with a reason. */
  cancel: (reason: MoleculeError) => void;
  /** Whether the task's own stream still reads it. */
  attached: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The streamed tasks running on this endpoint, and the time each may run on unwatched. */
export class TaskLifetimes {
  readonly #tasks = new Map<string, Life>();
  readonly #hub: () => TaskHub;
  readonly #ttlMs: number;

  /** @param hub the resubscribed streams, by task (`count` after each change: {@link changed}) */
  constructor(hub: () => TaskHub, ttlMs: number) {
    this.#hub = hub;
    this.#ttlMs = ttlMs;
  }

  /**
   * A streamed task starts, read by its own stream; `cancel` ends it when nobody follows it.
   * Returns what tells that its stream is gone.
   */
  started(taskId: string, scope: Scope, cancel: (reason: MoleculeError) => void): () => void {
    this.#tasks.set(taskId, { scope, cancel, attached: true, timer: undefined });
    return () => {
      const life = this.#tasks.get(taskId);
      if (life?.scope !== scope || !life.attached) return;
      life.attached = false;
      this.changed(taskId);
    };
  }

  /** The task ended (or was canceled): it is no longer timed. */
  ended(taskId: string, scope: Scope): void {
    const life = this.#tasks.get(taskId);
    if (life?.scope !== scope) return;
    clearTimeout(life.timer);
    this.#tasks.delete(taskId);
  }

  /** The streams following `taskId` changed: an unwatched task's time starts, a watched one's stops. */
  changed(taskId: string): void {
    const life = this.#tasks.get(taskId);
    if (life === undefined) return;
    if (life.attached || this.#hub().count(taskId) > 0) {
      clearTimeout(life.timer);
      life.timer = undefined;
    } else if (life.timer === undefined) {
      const ttl = this.#ttlMs;
      let due = performance.now() + ttl;
      let woke = false;
      const expire = (): void => {
        // Run late (the process was paused): a notice another replica sent meanwhile is not read
        // yet. Judged a third of the time later (another replica's notices come that often).
        if (!woke && ranLate(due, ttl)) {
          woke = true;
          due = performance.now() + ttl / 3;
          life.timer = setTimeout(expire, ttl / 3);
          life.timer.unref?.();
          return;
        }
        life.timer = undefined;
        life.cancel(
          new MoleculeError(
            `task canceled: no caller followed it for ${ttl} ms after its stream closed (unwatchedTaskTtlMs of the A2A server); resubscribe within that time to keep a task running`,
            { code: UNWATCHED },
          ),
        );
      };
      life.timer = setTimeout(expire, ttl);
      life.timer.unref?.();
    }
  }

  /**
   * A stream of another replica follows `taskId` (every task, when notices may have been
   * missed): an unwatched task's time starts again.
   */
  followedElsewhere(taskId: string | undefined): void {
    const lives = taskId === undefined ? [...this.#tasks.keys()] : [taskId];
    for (const id of lives) {
      const life = this.#tasks.get(id);
      if (life?.timer === undefined) continue;
      clearTimeout(life.timer);
      life.timer = undefined;
      this.changed(id);
    }
  }

  /** Stops every timer (the endpoint closes and aborts the tasks itself). */
  close(): void {
    for (const life of this.#tasks.values()) clearTimeout(life.timer);
    this.#tasks.clear();
  }
}

/**
 * The frames of a task's run as its own stream reads them: while the caller is there (its
 * request's scope not aborted), pulled one by one, as the handler makes them; once it is gone,
 * `detached` is called and the run is read to its end in the background (the task runs on).
 */
export async function* attached(
  run: AsyncGenerator<string, void, undefined>,
  request: Scope,
  detached: () => void,
  report: (err: unknown) => void,
): AsyncGenerator<string, void, undefined> {
  const signal = request.signal;
  let pending: Promise<IteratorResult<string, void>> | undefined;
  let ended = false;
  try {
    while (!signal.aborted) {
      pending = run.next();
      const next = await untilAborted(pending, signal);
      if (next === undefined) break;
      pending = undefined;
      if (next.done) {
        ended = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!ended) {
      detached();
      void drain(run, pending).catch(report);
    }
  }
}

/** `p`'s value, or `undefined` as soon as `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const stop = (): void => resolve(undefined);
    signal.addEventListener("abort", stop, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", stop);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", stop);
        reject(err);
      },
    );
  });
}

/** Reads the rest of a run nobody streams any more (its frames are dropped). */
async function drain(
  run: AsyncGenerator<string, void, undefined>,
  pending: Promise<IteratorResult<string, void>> | undefined,
): Promise<void> {
  if (pending !== undefined && (await pending).done) return;
  while (!(await run.next()).done);
}
