// The dispatcher: runs the user's handler with a concurrency limit, retries failures with
// backoff, delivers replies, and hands what still fails to the dead-letter callback.
import type { Logger } from "../transport/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { describe } from "../transport/index.js";
import { backoffDelay, sleep } from "../transport/index.js";
import { IdleWaiters } from "./idle-waiters.js";
import type { MessageTrack } from "./observer.js";

/** How one message ended in the dispatcher. */
export type DispatchOutcome =
  | { status: "handled"; reply: string | undefined }
  | { status: "dead-lettered"; error: unknown }
  | { status: "aborted" };

/** What the dispatcher passes to the handler runner for one attempt. */
export interface AttemptInfo {
  signal: AbortSignal;
  attempt: number;
  redelivered: boolean;
}

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Runs the user's handler once. */
  run(msg: InboundMessage, info: AttemptInfo): Promise<string | void>;
  /** Sends a reply (poll delivery); undefined when the caller returns it itself (push). */
  reply?: ((msg: InboundMessage, text: string, signal: AbortSignal) => Promise<void>) | undefined;
  onDeadLetter(msg: InboundMessage, error: unknown): Promise<void>;
  /** Called whenever a slot frees up. */
  onSlotFree?: (() => void) | undefined;
  /** Reports each message's attempts and outcome (events, logs, its trace span). */
  track(msg: InboundMessage, redelivered: boolean): MessageTrack;
  logger: Logger;
}

/**
 * An error that says retrying cannot help: `retryable === false` (every `MoleculeError` carries
 * the flag; set it on your own errors, e.g. a routing error). Plain errors are retried.
 */
function isPermanent(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { retryable?: unknown }).retryable === false;
}

interface Job {
  msg: InboundMessage;
  redelivered: boolean;
  reply: boolean;
  resolve(outcome: DispatchOutcome): void;
}

/** A message being handled, as reported in heartbeats. */
interface Running {
  msg: InboundMessage;
  since: number;
}

/** Concurrency-limited, retrying, dead-lettering runner of inbound messages. */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #queue: Job[] = [];
  readonly #running = new Set<Running>();
  readonly #abort = new AbortController();
  readonly #idleWaiters = new IdleWaiters();

  /** @param options see {@link DispatcherOptions} */
  constructor(options: DispatcherOptions) {
    this.#o = options;
  }

  /** Messages whose handler is running. */
  get active(): number {
    return this.#running.size;
  }

  /** Messages waiting for a free slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whether a new message would start right away. */
  hasCapacity(): boolean {
    return this.#queue.length === 0 && this.#running.size < this.#o.concurrency;
  }

  /** A short description of the oldest running message (for heartbeats), or "". */
  currentTask(): string {
    let oldest: Running | undefined;
    for (const r of this.#running) if (!oldest || r.since < oldest.since) oldest = r;
    if (!oldest) return "";
    const text = oldest.msg.text.replace(/\s+/g, " ").trim();
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  }

  /** Queues `msg`; resolves when it is handled, dead-lettered, or abandoned by `abort()`. */
  submit(
    msg: InboundMessage,
    opts: { redelivered: boolean; reply: boolean },
  ): Promise<DispatchOutcome> {
    if (this.#abort.signal.aborted) return Promise.resolve({ status: "aborted" });
    return new Promise((resolve) => {
      this.#queue.push({ msg, redelivered: opts.redelivered, reply: opts.reply, resolve });
      this.#pump();
    });
  }

  /** Resolves when nothing is running or queued, or after `timeoutMs`; returns true when idle. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#isIdle()) return Promise.resolve(true);
    return this.#idleWaiters.wait(timeoutMs);
  }

  /** Aborts running handlers (their signal fires) and abandons queued messages. */
  abort(): void {
    this.#abort.abort();
    for (const job of this.#queue.splice(0)) job.resolve({ status: "aborted" });
    this.#checkIdle();
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#running.size === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    this.#idleWaiters.notify();
  }

  #pump(): void {
    while (this.#running.size < this.#o.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      const running: Running = { msg: job.msg, since: performance.now() };
      this.#running.add(running);
      const track = this.#o.track(job.msg, job.redelivered);
      void track
        .run(() => this.#execute(job, track))
        .then((outcome) => {
          track.end(outcome);
          this.#running.delete(running);
          job.resolve(outcome);
          this.#pump();
          this.#o.onSlotFree?.();
          this.#checkIdle();
        });
    }
  }

  async #execute(job: Job, track: MessageTrack): Promise<DispatchOutcome> {
    const signal = this.#abort.signal;
    const { msg } = job;
    let result: string | void = undefined;
    let lastError: unknown;
    let ok = false;
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      if (signal.aborted) return { status: "aborted" };
      try {
        result = await this.#o.run(msg, { signal, attempt, redelivered: job.redelivered });
        ok = true;
        break;
      } catch (err) {
        if (signal.aborted) return { status: "aborted" };
        lastError = err;
        const permanent = isPermanent(err);
        const last = attempt === this.#o.maxAttempts || permanent;
        const delay = last
          ? undefined
          : backoffDelay(attempt, this.#o.retryBaseMs, this.#o.retryMaxMs);
        track.failed(attempt, err, delay); // an event and a log line (the first one a warning)
        if (delay === undefined) break;
        await sleep(delay, signal);
      }
    }
    if (!ok) return await this.#deadLetter(msg, lastError);
    const text = typeof result === "string" && result.trim() !== "" ? result : undefined;
    if (text === undefined || !job.reply || !this.#o.reply)
      return { status: "handled", reply: text };
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      if (signal.aborted) return { status: "aborted" };
      try {
        await this.#o.reply(msg, text, signal);
        return { status: "handled", reply: text };
      } catch (err) {
        if (signal.aborted) return { status: "aborted" };
        lastError = err;
        const delay =
          isPermanent(err) || attempt >= this.#o.maxAttempts
            ? undefined
            : backoffDelay(attempt, this.#o.retryBaseMs, this.#o.retryMaxMs);
        track.replyFailed(attempt, err, delay);
        if (delay === undefined) break;
        await sleep(delay, signal);
      }
    }
    return await this.#deadLetter(msg, lastError);
  }

  async #deadLetter(msg: InboundMessage, error: unknown): Promise<DispatchOutcome> {
    try {
      await this.#o.onDeadLetter(msg, error);
    } catch (err) {
      this.#o.logger.error?.("onDeadLetter threw; the message is settled anyway", {
        messageId: msg.messageId,
        error: describe(err),
      });
      process.emitWarning(
        `Molecule inbound message ${msg.messageId ?? msg.activityId ?? "?"} failed and onDeadLetter threw: ${describe(err)}`,
        { code: "MOLECULE_DEAD_LETTER" },
      );
    }
    return { status: "dead-lettered", error };
  }
}
