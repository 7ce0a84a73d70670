// `tasks/resubscribe` (v0.3) / `SubscribeToTask` (v1.0): a new SSE stream for a task that runs
// already, here or on another replica sharing the task store. First the task as it is now, then
// one status or artifact update per change, closed after the terminal status. A terminal task
// answers a stream of one event, the Task (v0.3, as the official 0.3 SDK does), or
// UnsupportedOperation (v1.0 spec 3.1.6); an unknown task answers TaskNotFound.
import type { A2AArtifact, A2ATask } from "../types.js";
import { A2AErrorCode } from "./errors.js";
import { TERMINAL_STATES } from "./normalize.js";
import { rpcError, type CallId, type Outcome } from "./outcome.js";
import type { Scope } from "./scope.js";
import type { A2ATaskStore } from "./store.js";
import { framer } from "./task-stream.js";
import type { TaskHub } from "./task-hub.js";
import { isThenable } from "./task-results.js";

/** What one subscription needs from the endpoint. */
export interface Subscription {
  id: CallId;
  version: "0.3" | "1.0";
  taskId: string;
  /** The workspace the endpoint serves: the only one whose tasks it streams. */
  workspaceId: string;
  store: A2ATaskStore;
  /** Streams one task may have at once on this endpoint; past it, JSON-RPC -32000. */
  maxSubscribers: number;
  /** How often a stream of a task run elsewhere tells its replica so (`store.followed`). */
  followEveryMs: number;
  hub: TaskHub;
  /** The task, when it runs on this endpoint (its changes are reported to `hub`). */
  local: A2ATask | undefined;
  /** Whether every change of the store's tasks is made by this endpoint (its in-memory store). */
  allLocal: boolean;
  /**
   * Starts following the store's changes (of tasks run elsewhere) and resolves once they flow;
   * `undefined` when the store cannot report them.
   */
  follow: () => Promise<void> | undefined;
  /** The request's scope: aborted when the caller goes away or the endpoint closes. */
  scope: Scope;
  report: (err: unknown, method: string, requestId: CallId) => void;
  method: string;
}

/**
 * JSON-RPC error code (implementation-defined server error range) of a subscription refused
 * because its task has `maxSubscribers` streams already.
 */
const TOO_MANY_SUBSCRIBERS = -32000;

/** Order of states: a change never moves a subscriber's view back (stale reads are dropped). */
function rank(state: string): number {
  if (TERMINAL_STATES.has(state as A2ATask["status"]["state"])) return 3;
  if (state === "input-required" || state === "auth-required") return 2;
  return state === "working" ? 1 : 0;
}

const terminal = (task: A2ATask): boolean => TERMINAL_STATES.has(task.status.state);

/** A copy that later in-place changes of the running task do not reach. */
function snapshot(task: A2ATask): A2ATask {
  const copy: A2ATask = { ...task, status: { ...task.status } };
  if (task.artifacts !== undefined) copy.artifacts = task.artifacts.map((a) => ({ ...a }));
  return copy;
}

/** The single text of an artifact, if that is all it holds. */
function textOf(artifact: A2AArtifact): string | undefined {
  const [part, more] = artifact.parts;
  return more === undefined && part?.kind === "text" ? part.text : undefined;
}

/**
 * What changed since the stream last looked: the latest snapshot the endpoint reported, and
 * whether the store said the task changed (re-read it). Bounded: a slow reader skips states,
 * never a final one, and the artifact diff covers the chunks in between.
 */
class Pending {
  local: A2ATask | undefined;
  reread = false;
  #wake: (() => void) | undefined;

  add(task: A2ATask | undefined): void {
    if (task === undefined) this.reread = true;
    else this.local = snapshot(task);
    this.#wake?.();
  }

  get empty(): boolean {
    return this.local === undefined && !this.reread;
  }

  /** Resolves at the next change, or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#wake = undefined;
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.#wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** Answers a subscription: an error, or the stream of the task's updates. */
export async function subscribe(s: Subscription): Promise<Outcome> {
  if (s.hub.count(s.taskId) >= s.maxSubscribers) {
    return rpcError(
      s.id,
      TOO_MANY_SUBSCRIBERS,
      `Too many subscribers: this task already has ${s.maxSubscribers} streams on this agent ` +
        "(the limit); close one or poll tasks/get (GetTask)",
    );
  }
  const pending = new Pending();
  // Listening before the first read: no change falls between the snapshot and the stream.
  const off = s.hub.on(s.taskId, (task) => pending.add(task));
  let current: A2ATask | undefined;
  let following = s.local !== undefined || s.allLocal;
  try {
    if (s.local !== undefined) current = snapshot(s.local);
    else {
      const ready = s.allLocal ? undefined : s.follow();
      following ||= ready !== undefined;
      if (ready !== undefined) await ready;
      const got = s.store.get(s.taskId, s.workspaceId);
      current = isThenable(got) ? await got : got;
    }
  } catch (err) {
    off();
    s.report(err, s.method, s.id);
    return rpcError(
      s.id,
      A2AErrorCode.InternalError,
      "Internal error: the task store is unavailable",
    );
  }
  if (current === undefined) {
    off();
    return rpcError(s.id, A2AErrorCode.TaskNotFound, "Task not found");
  }
  if (terminal(current) && s.version === "1.0") {
    off();
    return rpcError(
      s.id,
      A2AErrorCode.UnsupportedOperation,
      `Task is ${current.status.state}: SubscribeToTask needs a task that is not finished; use GetTask`,
    );
  }
  if (!terminal(current) && !following) {
    off();
    return rpcError(
      s.id,
      A2AErrorCode.UnsupportedOperation,
      "This task runs on another replica and the task store cannot report its changes; poll tasks/get",
    );
  }
  const stop = terminal(current) || s.local !== undefined ? off : tellRunner(s, off);
  // A caller gone before the stream started never runs the generator's cleanup: this one does.
  const signal = s.scope.signal;
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  return { status: 200, stream: updates(s, current, pending, stop), scope: s.scope };
}

/**
 * Tells the replica running the task that this stream follows it (`store.followed`), now and
 * every `followEveryMs`, so it is not canceled as unwatched; returns `off` that also stops it.
 */
function tellRunner(s: Subscription, off: () => void): () => void {
  const { store } = s;
  if (store.followed === undefined) return off;
  const tell = (): void => {
    try {
      const told = store.followed!(s.taskId, s.workspaceId);
      if (isThenable(told))
        Promise.resolve(told).catch((e: unknown) => s.report(e, s.method, s.id));
    } catch (err) {
      s.report(err, s.method, s.id);
    }
  };
  tell();
  const timer = setInterval(tell, s.followEveryMs);
  timer.unref?.();
  return () => {
    clearInterval(timer);
    off();
  };
}

/** The SSE frames: the task, then one frame per change, until its terminal status. */
async function* updates(
  s: Subscription,
  first: A2ATask,
  pending: Pending,
  off: () => void,
): AsyncGenerator<string, void, undefined> {
  const view = snapshot(first);
  const frames = framer(s.id, s.version, view);
  const signal = s.scope.signal;
  try {
    yield frames.task();
    if (terminal(view)) return; // v0.3: the finished task is the one event
    while (!signal.aborted) {
      if (pending.empty) {
        await pending.wait(signal);
        continue;
      }
      const { local, reread } = pending;
      pending.local = undefined;
      pending.reread = false;
      const seen: A2ATask[] = local === undefined ? [] : [local];
      if (reread) {
        try {
          const got = s.store.get(s.taskId, s.workspaceId);
          const stored = isThenable(got) ? await got : got;
          if (stored === undefined) return; // removed (retention): nothing more will come
          seen.push(stored);
        } catch (err) {
          s.report(err, s.method, s.id); // the next change reads it again
        }
      }
      for (const next of seen) {
        for (const frame of apply(view, next, frames)) yield frame;
        if (terminal(view)) return;
      }
    }
  } finally {
    off();
  }
}

/** Moves `view` to `next` and returns the frames that say what changed. */
function apply(view: A2ATask, next: A2ATask, frames: ReturnType<typeof framer>): string[] {
  if (rank(next.status.state) < rank(view.status.state)) return []; // a stale read
  const out: string[] = [];
  const last = TERMINAL_STATES.has(next.status.state); // no chunk follows a terminal task's
  for (const artifact of next.artifacts ?? []) {
    const artifacts = (view.artifacts ??= []);
    const i = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
    const prev = i >= 0 ? artifacts[i] : undefined;
    if (prev !== undefined && JSON.stringify(prev) === JSON.stringify(artifact)) continue;
    const before = prev === undefined ? undefined : textOf(prev);
    const after = textOf(artifact);
    if (before !== undefined && after !== undefined && after.startsWith(before)) {
      const chunk = {
        ...artifact,
        parts: [{ kind: "text" as const, text: after.slice(before.length) }],
      };
      out.push(frames.artifact(chunk, true, last));
    } else {
      out.push(frames.artifact(artifact, false, last));
    }
    if (i >= 0) artifacts[i] = artifact;
    else artifacts.push(artifact);
  }
  const changed =
    next.status.state !== view.status.state ||
    JSON.stringify(next.status.message) !== JSON.stringify(view.status.message);
  if (changed) {
    view.status = { ...next.status };
    out.push(frames.status());
  }
  return out;
}
