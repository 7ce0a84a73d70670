// Run, the stage after route for every inbound message: the user's handler with a concurrency
// limit, retries with backoff, the answer queued with the answer stage (poll; a pushed message's
// answer is returned to its source), and what still fails dead-lettered. Each message gets its own
// abort signal: aborted when the agent stops (`abort()`) or when the message's own cancel signal
// fires (its A2A task canceled with `tasks/cancel`).
import { emitWarning } from "../../runtime/index.js";
import type { AgentObserver, MessageTrack } from "../../events/index.js";
import { type InboundMessage, deliveryOf } from "../../inbound/index.js";
import type { HeartbeatReport } from "../../platform/index.js";
import { type Logger, IdleWaiters, backoffDelay, describe, sleep } from "../../transport/index.js";
import type { Answers } from "../answer/answers.js";
import { isPermanent } from "../answer/dead-letters.js";
import type { PeerCalls } from "../route/call-peer.js";
import type { RemoteAgentOptions } from "../types.js";
import type { HeldLease } from "../../store/index.js";

/** How one message ended in the dispatcher. */
export type DispatchOutcome =
  | { status: "handled"; reply: string | undefined }
  | { status: "dead-lettered"; error: unknown }
  | { status: "aborted" }
  /** Its cancel signal fired: not retried, no answer, no dead letter. */
  | { status: "canceled" };

/** The agent options the dispatcher runs on. */
export type DispatcherOptions = Pick<
  RemoteAgentOptions,
  "client" | "handler" | "concurrency" | "maxAttempts" | "retryBaseMs"
>;

/** Longest wait between two attempts. */
const RETRY_MAX_MS = 30_000;

/** How to submit a message: see {@link Dispatcher.submit}. */
export interface SubmitOptions {
  redelivered: boolean;
  /** Send the handler's answer through `reply` (poll delivery). */
  reply: boolean;
  /** Cancels this message alone (e.g. its A2A task's signal); listened to until it settles. */
  cancel?: AbortSignal | undefined;
}

interface Job {
  msg: InboundMessage;
  redelivered: boolean;
  reply: boolean;
  cancel: AbortSignal | undefined;
  /** The message's own signal, created when its handler starts. */
  controller: AbortController | undefined;
  resolve(outcome: DispatchOutcome): void;
}

/** Concurrency-limited, retrying, dead-lettering runner of inbound messages. */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #logger: Logger;
  readonly #calls: PeerCalls;
  readonly #answers: Answers;
  readonly #observer: AgentObserver;
  /** Asked before each attempt: whether the agent may act (its state folder's lease). */
  readonly #lease: HeldLease;
  /** The running poll loop, told when a handler slot frees up (poll delivery only). */
  poll: { slotFreed(): void } | undefined;
  readonly #queue: Job[] = [];
  /** Jobs whose handler runs, oldest first. */
  readonly #running = new Set<Job>();
  /** Set by `abort()`: queued and new messages are abandoned. */
  #aborted = false;
  readonly #idleWaiters = new IdleWaiters();

  constructor(
    options: DispatcherOptions,
    calls: PeerCalls,
    answers: Answers,
    observer: AgentObserver,
    lease: HeldLease,
  ) {
    this.#o = options;
    this.#concurrency = options.concurrency ?? 4;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#logger = observer.logger;
    this.#calls = calls;
    this.#answers = answers;
    this.#observer = observer;
    this.#lease = lease;
  }

  /** Messages whose handler is running. */
  get active(): number {
    return this.#running.size;
  }

  /** Whether a new message would start right away. */
  hasCapacity(): boolean {
    return this.#queue.length === 0 && this.active < this.#concurrency;
  }

  /**
   * What a heartbeat reports: the handlers running now, and the uptime since `startedAt`
   * (monotonic ms, `performance.now()`).
   */
  report(startedAt: number): HeartbeatReport {
    const uptimeSeconds = Math.floor((performance.now() - startedAt) / 1000);
    return { activeTasks: this.active, currentTask: this.currentTask(), uptimeSeconds };
  }

  /** A short description of the oldest running message (for heartbeats), or "". */
  currentTask(): string {
    const oldest = this.#running.values().next().value;
    if (!oldest) return "";
    const text = oldest.msg.text.replace(/\s+/g, " ").trim();
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  }

  /**
   * Queues `msg`; resolves when it is handled, dead-lettered, abandoned by `abort()`, or canceled
   * by `opts.cancel` (a queued message leaves the queue; a running one's signal aborts).
   */
  submit(msg: InboundMessage, opts: SubmitOptions): Promise<DispatchOutcome> {
    if (this.#aborted) return Promise.resolve({ status: "aborted" });
    const cancel = opts.cancel;
    if (cancel?.aborted) return Promise.resolve({ status: "canceled" });
    return new Promise((resolve) => {
      const job: Job = {
        msg,
        redelivered: opts.redelivered,
        reply: opts.reply,
        cancel,
        controller: undefined,
        resolve,
      };
      if (cancel) {
        const onCancel = (): void => this.#cancel(job);
        cancel.addEventListener("abort", onCancel, { once: true });
        job.resolve = (outcome) => {
          cancel.removeEventListener("abort", onCancel);
          resolve(outcome);
        };
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Resolves when nothing is running or queued, or after `timeoutMs`; returns true when idle. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#isIdle()) return Promise.resolve(true);
    return this.#idleWaiters.wait(timeoutMs);
  }

  /**
   * Gives running and queued messages `drainMs` to finish (none: not at all), then aborts what
   * still runs (it will be redelivered), waits up to `abortedMs` for those handlers to return, and
   * abandons the queue.
   */
  async stop(drainMs: number | undefined, abortedMs = 5_000): Promise<void> {
    if (drainMs !== undefined && !(await this.idle(drainMs))) {
      this.#logger.warn?.(
        `drain timeout: ${this.active} handler(s) still running after ${Math.round(drainMs)} ms: aborting their signal (their messages will be redelivered)`,
      );
      this.abort();
      await this.idle(abortedMs);
    }
    this.abort();
  }

  /** Aborts running handlers (their signal fires) and abandons queued messages. */
  abort(): void {
    this.#aborted = true;
    for (const job of this.#running) job.controller?.abort();
    for (const job of this.#queue.splice(0)) job.resolve({ status: "aborted" });
    this.#checkIdle();
  }

  /** A message's cancel signal fired: it leaves the queue, or its running handler is aborted. */
  #cancel(job: Job): void {
    const i = this.#queue.indexOf(job);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      job.resolve({ status: "canceled" });
      this.#checkIdle();
      return;
    }
    job.controller?.abort(job.cancel?.reason);
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.active === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    this.#idleWaiters.notify();
  }

  #pump(): void {
    while (this.active < this.#concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      job.controller = new AbortController();
      this.#running.add(job);
      const track = this.#observer.track(job.msg, job.redelivered);
      void track
        .run(() => this.#execute(job, track))
        .then((outcome) => {
          track.end(outcome);
          this.#running.delete(job);
          job.resolve(outcome);
          this.#pump();
          this.poll?.slotFreed();
          this.#checkIdle();
        });
    }
  }

  async #execute(job: Job, track: MessageTrack): Promise<DispatchOutcome> {
    const { msg } = job;
    const run = (attempt: number): string | void | Promise<string | void> =>
      this.#runHandler(job, attempt);
    const ran = await this.#retry(job, run, (a, err, ms) => track.failed(a, err, ms));
    if ("status" in ran) return ran;
    if (job.cancel?.aborted) return { status: "canceled" }; // its answer goes nowhere
    const text = typeof ran.value === "string" && ran.value.trim() !== "" ? ran.value : undefined;
    if (text === undefined || !job.reply) return { status: "handled", reply: text };
    // Queued with the answer stage, which persists it and sends it: the slot frees up.
    const queue = (): Promise<void> => this.#answers.enqueueReply(msg, text);
    const queued = await this.#retry(job, queue, (a, err, ms) => track.replyFailed(a, err, ms));
    return "status" in queued ? queued : { status: "handled", reply: text };
  }

  /**
   * Runs `step` up to `maxAttempts` times (a permanent error: once), waiting with backoff between
   * attempts; each failure goes to `failed` (`retryInMs` undefined on the last). Resolves the
   * step's value, or how the message ended: dead-lettered, or canceled or aborted (then whatever
   * the step returned or threw after that is dropped).
   */
  async #retry<T>(
    job: Job,
    step: (attempt: number) => T | Promise<T>,
    failed: (attempt: number, error: unknown, retryInMs: number | undefined) => void,
  ): Promise<{ value: T } | DispatchOutcome> {
    const signal = job.controller!.signal;
    const ended = (): DispatchOutcome | undefined =>
      job.cancel?.aborted
        ? { status: "canceled" }
        : signal.aborted
          ? { status: "aborted" }
          : undefined;
    for (let attempt = 1; ; attempt++) {
      // A process paused past its lease starts nothing its successor may have run (not settled).
      if (!(await this.#lease.proven())) return { status: "aborted" };
      const before = ended();
      if (before) return before;
      try {
        return { value: await step(attempt) };
      } catch (err) {
        const after = ended();
        if (after) return after;
        const last = attempt >= this.#maxAttempts || isPermanent(err);
        const delay = last ? undefined : backoffDelay(attempt, this.#retryBaseMs, RETRY_MAX_MS);
        failed(attempt, err, delay); // an event and a log line (the handler's first: a warning)
        if (delay === undefined) return await this.#deadLetter(job.msg, err);
        await sleep(delay, signal);
      }
    }
  }

  /** One attempt of the user's handler (a throw is caught by {@link #retry}). */
  #runHandler(job: Job, attempt: number): string | void | Promise<string | void> {
    const msg = job.msg;
    return this.#o.handler(msg, {
      signal: job.controller!.signal,
      client: this.#o.client,
      attempt,
      redelivered: job.redelivered,
      delivery: deliveryOf(msg),
      logger: this.#logger,
      callPeer: this.#calls.callPeerFrom(msg),
    });
  }

  async #deadLetter(msg: InboundMessage, error: unknown): Promise<DispatchOutcome> {
    try {
      await this.#answers.deadLetter(msg, error);
    } catch (err) {
      this.#logger.error?.("onDeadLetter threw; the message is settled anyway", {
        messageId: msg.messageId,
        error: describe(err),
      });
      emitWarning(
        `Molecule inbound message ${msg.messageId ?? msg.activityId ?? "?"} failed and onDeadLetter threw: ${describe(err)}`,
        { code: "MOLECULE_DEAD_LETTER" },
      );
    }
    return { status: "dead-lettered", error };
  }
}
