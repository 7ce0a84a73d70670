// A peer's event stream that survives a cut (issue #102), the same for a Molecule peer
// (platform/peer-tasks.ts) and any A2A agent by URL (remote/remote-agent.ts): a stream that ends,
// or breaks, before its task's terminal state or a `final` event re-subscribes to the task
// (v0.3 `tasks/resubscribe`, v1.0 `SubscribeToTask`) with the SDK's backoff, within the call's
// signal and stream deadline (every request and pause of the call waits at most what is left of
// it), and passes on only what the caller has not seen (SeenEvents). A task that finished
// meanwhile ends with its final state (GetTask); a stream that cannot be resumed, or whose task
// the peer canceled while it was cut, ends with the caller's typed `stream_cut` error, never as
// if the task had finished.
import { backoffDelay, isMoleculeError, sleep } from "../transport/index.js";
import type { HttpResponse } from "../transport/index.js";
import type { A2AStreamEvent } from "./from-v1.js";
import { endsStream, peerEvents } from "./peer-events.js";
import type { PeerEventsOptions } from "./peer-events.js";
import type { PeerBinding, PeerOp } from "./peer-wire.js";
import type { PeerStreamLimits } from "./sse.js";
import type { A2AArtifact, A2APart, A2ATask } from "./types.js";

/** Re-subscriptions in a row that bring nothing new before the stream is given up as cut. */
const MAX_ATTEMPTS = 5;
/** Backoff of the re-subscriptions: 250 ms doubled per attempt, at most 4 s (with jitter). */
const BASE_MS = 250;
const MAX_MS = 4_000;

const TERMINAL = new Set(["completed", "canceled", "failed", "rejected"]);
/** States in which a task waits for its caller: a cut there is the stream's end. */
const WAITING = new Set(["input-required", "auth-required"]);

/** What {@link resumingPeerEvents} needs from its caller (and the words of its errors). */
export interface ResumeHooks extends Pick<PeerEventsOptions, "rpcError" | "malformed" | "foreign"> {
  /** The call's own request: a message to stream, or a task to follow. */
  op: PeerOp;
  /** The task the stream follows, when known before its first event. */
  taskId: string | undefined;
  limits: Required<PeerStreamLimits>;
  signal: AbortSignal | undefined;
  /**
   * Sends a request, waiting at most `timeoutMs` for its answer (a stream's first byte); throws
   * the error its answer names (a refusal, a retryable failure).
   */
  send(op: PeerOp, timeoutMs: number): Promise<{ res: HttpResponse; binding: PeerBinding }>;
  /** The task as it is now (GetTask / tasks/get), waiting at most `timeoutMs`. */
  getTask(taskId: string, timeoutMs: number): Promise<A2ATask>;
  /** The error of a stream that cannot be resumed: `why` in words, `retryable`, the cause. */
  cut(taskId: string | undefined, why: string, retryable: boolean, cause?: unknown): Error;
}

/** The content of an artifact as the caller has it: its text, then its other parts (as JSON). */
interface Content {
  text: string;
  others: string[];
}

function contentOf(parts: readonly A2APart[]): Content {
  const out: Content = { text: "", others: [] };
  for (const p of parts) {
    if (p.kind === "text") out.text += p.text;
    else out.others.push(JSON.stringify(p));
  }
  return out;
}

/** Whether `b` holds all of `a` (and maybe more after it). */
function holds(b: Content, a: Content): boolean {
  return b.text.startsWith(a.text) && a.others.every((o, i) => b.others[i] === o);
}

/**
 * What the caller has been told of a task: its status transitions, each artifact's content and
 * the messages. After a resume, what a connection says again (the task's snapshot, a replayed
 * status or chunk) is reduced to what is new.
 */
class SeenEvents {
  readonly #status = new Set<string>();
  readonly #messages = new Set<string>();
  readonly #artifacts = new Map<string, Content>();
  readonly #lastChunk = new Set<string>();
  /** Each artifact as the current connection rebuilt it (after a resume). */
  #connection = new Map<string, Content>();
  /** The last state the caller was told. */
  state: string | undefined;

  /** A new connection: what it rebuilds starts from nothing. */
  resumed(): void {
    this.#connection = new Map();
  }

  /** The events to pass on for `e` (all of it on the first connection, what is new after). */
  *filter(e: A2AStreamEvent, resumed: boolean): Generator<A2AStreamEvent> {
    if (!resumed) {
      this.#note(e);
      yield e;
      return;
    }
    switch (e.kind) {
      case "message":
        if (!this.#messages.has(e.message.messageId)) {
          this.#note(e);
          yield e;
        }
        return;
      case "task": {
        const t = e.task;
        for (const a of t.artifacts ?? []) {
          const terminal = TERMINAL.has(t.status.state);
          yield* this.#artifact(t, a, contentOf(a.parts), terminal);
        }
        const status = {
          kind: "status-update" as const,
          taskId: t.id,
          contextId: t.contextId,
          status: t.status,
          final: TERMINAL.has(t.status.state) || WAITING.has(t.status.state),
        };
        if (!this.#status.has(statusKey(status.status))) {
          this.#note(status);
          yield status;
        }
        return;
      }
      case "status-update":
        if (!this.#status.has(statusKey(e.status))) {
          this.#note(e);
          yield e;
        }
        return;
      case "artifact-update": {
        const id = e.artifact.artifactId;
        const chunk = contentOf(e.artifact.parts);
        const base = this.#connection.get(id) ?? this.#artifacts.get(id);
        const rebuilt =
          e.append && base !== undefined
            ? { text: base.text + chunk.text, others: [...base.others, ...chunk.others] }
            : chunk;
        const task = { id: e.taskId, contextId: e.contextId };
        yield* this.#artifact(task, e.artifact, rebuilt, e.lastChunk);
      }
    }
  }

  /** The update of artifact `a` of `task` whose content, as the connection has it, is `now`. */
  *#artifact(
    task: { id: string; contextId: string },
    a: A2AArtifact,
    now: Content,
    lastChunk: boolean,
  ): Generator<A2AStreamEvent> {
    const id = a.artifactId;
    this.#connection.set(id, now);
    const had = this.#artifacts.get(id);
    const ends = lastChunk && !this.#lastChunk.has(id);
    let artifact = a;
    let append = false;
    if (had !== undefined && holds(now, had)) {
      // What the caller has, and maybe more: only the more (the end of its text, its new parts).
      const parts: A2APart[] = now.others.slice(had.others.length).map((o) => JSON.parse(o));
      if (now.text.length > had.text.length)
        parts.unshift({ kind: "text", text: now.text.slice(had.text.length) });
      if (parts.length === 0 && !ends) return;
      artifact = { ...a, parts };
      append = true;
    } else if (had !== undefined && holds(had, now)) {
      return; // less than the caller has: said again
    }
    this.#artifacts.set(id, now);
    if (lastChunk) this.#lastChunk.add(id);
    yield {
      kind: "artifact-update",
      taskId: task.id,
      contextId: task.contextId,
      artifact,
      append,
      lastChunk,
    };
  }

  /** Records what the caller is told. */
  #note(e: A2AStreamEvent): void {
    switch (e.kind) {
      case "message":
        this.#messages.add(e.message.messageId);
        return;
      case "task":
        this.#status.add(statusKey(e.task.status));
        this.state = e.task.status.state;
        for (const a of e.task.artifacts ?? [])
          this.#artifacts.set(a.artifactId, contentOf(a.parts));
        return;
      case "status-update":
        this.#status.add(statusKey(e.status));
        this.state = e.status.state;
        if (e.status.message) this.#messages.add(e.status.message.messageId);
        return;
      case "artifact-update": {
        const id = e.artifact.artifactId;
        const chunk = contentOf(e.artifact.parts);
        const had = this.#artifacts.get(id);
        this.#artifacts.set(
          id,
          e.append && had !== undefined
            ? { text: had.text + chunk.text, others: [...had.others, ...chunk.others] }
            : chunk,
        );
        if (e.lastChunk) this.#lastChunk.add(id);
      }
    }
  }
}

/** A status transition's identity: its state, its message and its time. */
function statusKey(s: A2ATask["status"]): string {
  return `${s.state}|${s.message?.messageId ?? ""}|${s.timestamp ?? ""}`;
}

/** Whether `e` says its task ended `canceled`. */
function canceledIn(e: A2AStreamEvent): boolean {
  const state =
    e.kind === "task" ? e.task.status.state : e.kind === "status-update" ? e.status.state : "";
  return state === "canceled";
}

/** The task an event names. */
function taskOf(e: A2AStreamEvent): string | undefined {
  const id = e.kind === "task" ? e.task.id : e.kind === "message" ? e.message.taskId : e.taskId;
  return id === "" ? undefined : id;
}

/** Whether a failure to open or read a connection is worth another attempt (not a refusal). */
function transient(err: unknown): boolean {
  return !isMoleculeError(err) || (err.retryable && !err.code.startsWith("sse_"));
}

/**
 * The events of a peer's stream (see the file comment): `hooks.send` opens each connection;
 * a cut re-subscribes, a refusal or a finished task reads the task, and nothing is passed on twice.
 */
export async function* resumingPeerEvents(
  hooks: ResumeHooks,
): AsyncGenerator<A2AStreamEvent, void, undefined> {
  const { signal, limits } = hooks;
  const seen = new SeenEvents();
  const until = performance.now() + limits.deadlineMs;
  /** What is left of the call's deadline (at least 1 ms: a request given 0 would wait its own). */
  const left = (): number => Math.max(1, Math.ceil(until - performance.now()));
  let taskId = hooks.taskId;
  let resume: string | undefined;
  let attempts = 0;
  /** Re-subscriptions sent, and cuts seen. */
  let resubscribed = 0;
  let cuts = 0;
  let messageOnly = false;
  let cause: unknown;
  /** The error of a task the peer canceled while its stream was cut (not this call's doing). */
  const canceled = (id: string): Error =>
    hooks.cut(
      id,
      `and the peer ended it canceled meanwhile, not at this call's request (a cut stream should not cancel a task, A2A 1.0.1 §3.5.2; the task's status message, getTask, may say why)`,
      false,
    );
  for (;;) {
    let refused: unknown;
    let events: AsyncIterable<A2AStreamEvent> | undefined;
    try {
      if (resume !== undefined) resubscribed++;
      const { res, binding } = await hooks.send(
        resume === undefined ? hooks.op : { op: "subscribe", taskId: resume },
        left(),
      );
      events = peerEvents(res, {
        binding,
        taskId: resume ?? hooks.taskId,
        limits: { ...limits, deadlineMs: left() },
        signal,
        rpcError: hooks.rpcError,
        malformed: hooks.malformed,
        foreign: hooks.foreign,
      });
    } catch (err) {
      // The call's own request failing is its error, as it always was.
      if (resume === undefined || signal?.aborted) throw err;
      if (transient(err)) cause = err;
      else refused = err;
    }
    if (events !== undefined) {
      if (resume !== undefined) seen.resumed();
      try {
        for await (const e of events) {
          taskId ??= taskOf(e);
          messageOnly = e.kind === "message" && taskOf(e) === undefined;
          for (const out of seen.filter(e, resume !== undefined)) {
            attempts = 0;
            if (cuts > 0 && canceledIn(out)) throw canceled(taskId ?? "");
            yield out;
            if (endsStream(out)) return;
          }
          if (endsStream(e)) return;
        }
        cause = undefined;
      } catch (err) {
        if (signal?.aborted || !transient(err)) throw err;
        cause = err; // the connection broke
      }
    }
    // The connection ended (or broke) before the task's end.
    if (messageOnly || (seen.state !== undefined && WAITING.has(seen.state))) return;
    if (taskId === undefined) {
      throw hooks.cut(undefined, "before the peer named its task", true, cause);
    }
    if (events !== undefined) cuts++;
    let late = false;
    if (refused === undefined) {
      attempts++;
      const wait = backoffDelay(attempts, BASE_MS, MAX_MS);
      late = performance.now() + wait >= until;
      if (attempts <= MAX_ATTEMPTS && !late) {
        await sleep(wait, signal);
        if (signal?.aborted) throw signal.reason;
        resume = taskId;
        continue;
      }
    }
    // Refused, no attempt or no time left: the task may have finished meanwhile.
    let task: A2ATask | undefined;
    if (until - performance.now() >= 1) {
      try {
        task = await hooks.getTask(taskId, left());
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        cause = refused ?? cause ?? err;
      }
    }
    if (task !== undefined && (TERMINAL.has(task.status.state) || WAITING.has(task.status.state))) {
      if (task.status.state === "canceled" && seen.state !== "canceled") throw canceled(taskId);
      seen.resumed();
      yield* seen.filter({ kind: "task", task }, true);
      return;
    }
    const tries = `${resubscribed} re-subscription${resubscribed === 1 ? "" : "s"}`;
    const why =
      refused !== undefined
        ? `and the peer refused to resume it (after ${tries})`
        : late || until - performance.now() < 1
          ? `and its deadline (${limits.deadlineMs} ms, streamLimits.deadlineMs) passed after ${cuts} cut${cuts === 1 ? "" : "s"} and ${tries}`
          : `and ${MAX_ATTEMPTS} re-subscriptions in a row brought nothing new (${tries} in all)`;
    throw hooks.cut(taskId, why, refused === undefined, refused ?? cause);
  }
}
