// Answer, the last stage of every inbound message: a polled message's answer leaves the handler
// slot through the reply outbox (a pushed message's answer is its A2A result, returned by the push
// source), and a message that ends without being handled is reported as a dead letter.
//
// The reply outbox: each answer is persisted with the agent state before its message counts as
// settled, then sent with its own bounded concurrency and retried (no slot is held while waiting).
// An answer is delivered or provably undeliverable: the platform's own faults (its rate limit, an
// outage, a restart) only delay it, for up to REPLY_KEEP_MS, across restarts; only a permanent
// refusal (the sender removed, not allowed) dead-letters it.
import { emitWarning } from "../../runtime/index.js";
import { type AnswerFailure, type AnswerTask, A2AErrorCode } from "../../a2a/index.js";
import type { A2ATaskStore } from "../../a2a/index.js";
import { type AgentObserver, deadLetterReason } from "../../events/index.js";
import { BoundedSet, type InboundMessage, type OutboxRecord } from "../../inbound/index.js";
import type { AgentStateStore } from "../../store/index.js";
import type { Logger } from "../../transport/index.js";
import { IdleWaiters, isTlsErrorCode, MoleculeError } from "../../transport/index.js";
import { askedWaitMs, backoffDelay, describe } from "../../transport/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";
import { PollTasks, type Refusal } from "./poll-tasks.js";
import { answerMessageId, messageOf, SentWaiters } from "./outbox-record.js";

/** How long a dead-letter report may take (ms): twice the platform's rate-limit window. */
const REPORT_TIMEOUT_MS = 150_000;
/** Longest error text reported to the platform. */
const MAX_REPORT_DETAIL = 1_000;
/** Longest wait between two attempts to send an answer. */
const RETRY_MAX_MS = 30_000;
/** One attempt to send an answer, or a poll agent's checkpoint (`replyTimeoutMs`: why 20 s). */
export const REPLY_TIMEOUT_MS = 20_000;
/** How long an answer is kept through the platform's transient failures, from when it was queued. */
const REPLY_KEEP_MS = 24 * 60 * 60_000;
/** Most answers (and UTF-16 units of text) the outbox holds; past either a finished handler waits. */
const MAX_OUTBOX_ANSWERS = 10_000;
const MAX_OUTBOX_TEXT = 64 * 1024 * 1024;

/**
 * The handler ran and returned an answer, but the answer could not be delivered to the sender
 * (handed to `onDeadLetter`). The handler is not run again for it.
 */
export class MoleculeReplyError extends MoleculeError {
  constructor(message: string, cause: unknown) {
    super(message, { code: "reply_failed", retryable: false, cause });
  }
}

/**
 * An error that says retrying cannot help: `retryable === false` (every `MoleculeError` carries
 * the flag; set it on your own errors, e.g. a routing error). Plain errors are retried.
 */
export function isPermanent(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { retryable?: unknown }).retryable === false;
}

/** An answer in the outbox. */
interface Entry {
  record: OutboxRecord;
  /** The message answered (the original in this run; rebuilt from the record after a restart). */
  msg: InboundMessage;
  attempts: number;
  timer?: NodeJS.Timeout;
}

/** The reply outbox and dead-letter reporting of one agent. */
export class Answers {
  readonly #client: AgentPlatformClient;
  readonly #onDeadLetter: RemoteAgentOptions["onDeadLetter"];
  readonly #observer: AgentObserver;
  readonly #logger: Logger;
  /** The tasks of questions asked by polled messages' handlers. */
  readonly #tasks: PollTasks;
  /** Where the outbox is persisted (poll delivery: attached at start). */
  #state: AgentStateStore | undefined;
  readonly #concurrency: number; // answers being sent at once
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #timeoutMs: number;
  /** The outbox: answers not delivered yet, by their record's id, in queue order. */
  readonly #entries = new Map<string, Entry>();
  /** The text the outbox holds (see {@link MAX_OUTBOX_TEXT}). */
  #text = 0;
  /** Handlers waiting for room in the outbox. */
  readonly #roomWaiters: (() => void)[] = [];
  /** Dead-letter reports in flight (sent in the background, awaited by `stop()`). */
  readonly #reports = new Set<Promise<void>>();
  /** Entries waiting for a send slot. */
  readonly #ready: Entry[] = [];
  #sending = 0; // entries being sent
  /** Aborted by `stop()`: sends in flight give up, nothing more is sent. */
  readonly #stopped = new AbortController();
  readonly #idleWaiters = new IdleWaiters();
  readonly #sentWaiters = new SentWaiters();
  /** Activity ids answered (queued or restored), even after the answer went out. */
  readonly #answered = new BoundedSet(2_000);

  constructor(
    client: AgentPlatformClient,
    options: Pick<
      RemoteAgentOptions,
      "replyConcurrency" | "maxAttempts" | "retryBaseMs" | "onDeadLetter" | "replyTimeoutMs"
    >,
    observer: AgentObserver,
    tasks?: A2ATaskStore,
  ) {
    this.#client = client;
    this.#onDeadLetter = options.onDeadLetter;
    this.#observer = observer;
    this.#logger = observer.logger;
    this.#tasks = new PollTasks(client.workspaceId, tasks);
    this.#concurrency = options.replyConcurrency ?? 8; // checked by checkAgentOptions
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#timeoutMs = options.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
  }

  /** Resolves once each answer queued now is delivered or dead-lettered, or the agent stops. */
  sent(): Promise<void> {
    return this.#sentWaiters.wait(this.#entries.keys(), this.#stopped.signal);
  }

  /** Answers not delivered yet (queued, being sent, or waiting to retry). */
  get pendingReplies(): number {
    return this.#entries.size;
  }

  /** Keeps poll questions' tasks in `tasks` from now on (the default store, opened at start). */
  useTasks(tasks: A2ATaskStore): void {
    this.#tasks.use(tasks);
  }

  /** Persists the outbox in `store` from now on, and resends what a previous run left there. */
  async attach(store: AgentStateStore): Promise<void> {
    this.#state = store;
    const records = await store.loadOutbox();
    for (const record of records) {
      if (!this.#entries.has(record.id))
        this.#queue({ record, msg: messageOf(record), attempts: 0 });
    }
    if (records.length > 0) {
      this.#logger.info?.("resending answers left in the reply outbox by a previous run", {
        count: records.length,
      });
    }
    this.#pump();
  }

  /**
   * Queues the answer to a polled message (see {@link #enqueue}: it may then settle). A question
   * (`askForInput`) or the answer to one goes with its task, stored first.
   */
  async enqueueReply(msg: InboundMessage, text: string): Promise<void> {
    const task = this.#tasks.holds(msg) ? await this.#tasks.answered(msg, text) : undefined;
    while (this.#full()) {
      if (this.#stopped.signal.aborted) break; // stopping: the settle waits on this write
      this.#logger.warn?.("the reply outbox is full: a finished handler waits for room", {
        answers: this.#entries.size,
      });
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    this.#enqueue(msg, text, task);
  }

  /** Whether the outbox holds its most answers or text. */
  #full(): boolean {
    return this.#entries.size >= MAX_OUTBOX_ANSWERS || this.#text >= MAX_OUTBOX_TEXT;
  }

  /**
   * Whether a polled message may run: true unless it continues a task (`taskId`) it may not (not
   * this agent's question to that sender, or finished); the refusal is then queued as its answer.
   */
  async admitTask(msg: InboundMessage): Promise<boolean> {
    let refusal: Refusal | undefined;
    try {
      refusal = await this.#tasks.check(msg);
    } catch (err) {
      // The store cannot tell: the sender is told to retry, as the A2A endpoint tells it.
      this.#logger.error?.("the task store could not be read for a continued task", {
        taskId: msg.taskId,
        error: describe(err),
      });
      refusal = {
        text: `the task store of this agent is unavailable, so task ${msg.taskId} cannot be continued now; try again later`,
        task: { id: msg.taskId ?? "", state: "unknown", error: A2AErrorCode.InternalError },
      };
    }
    if (refusal === undefined) return true;
    this.#enqueue(msg, refusal.text, refusal.task);
    return false;
  }

  /**
   * Whether a redelivered message (in flight when a previous run died) already has its answer in
   * the outbox (queued in this run or restored): its handler finished then, so it is settled
   * without running again.
   */
  answered(msg: InboundMessage): boolean {
    return this.#answered.has(msg.activityId);
  }

  /**
   * A `deadLettered` event, a report to the platform (an `error` row in this workspace's activity
   * log naming the message, which the canvas shows), then the user's `onDeadLetter`. It is said in one
   * line, by the agent's logger; a process warning (`MOLECULE_DEAD_LETTER`) only when the logger
   * has no `error` and neither a listener nor the callback takes it.
   */
  async deadLetter(msg: InboundMessage, error: unknown): Promise<void> {
    const user = this.#onDeadLetter;
    const unheard = this.#observer.deadLettered(msg, error, user !== undefined);
    // In the background: a rate-limited or unreachable platform must not hold a handler slot.
    const report = this.#report(msg, error).finally(() => this.#reports.delete(report));
    this.#reports.add(report);
    this.#answerFailure(msg, error);
    if (user) return await user(msg, error);
    if (!unheard) return;
    // By code: MoleculeReplyError, MoleculeTurnLimitError, MoleculeDeliveryLimitError.
    const code = error instanceof MoleculeError ? error.code : undefined;
    const what =
      code === "reply_failed"
        ? "its reply could not be delivered"
        : code === "conversation_turn_limit"
          ? "its conversation went over the turn limit"
          : code === "delivery_limit"
            ? "it was delivered maxDeliveries times and never settled"
            : "its handler failed after every retry";
    emitWarning(
      `Molecule inbound message ${msg.messageId ?? msg.activityId ?? "?"} was dead-lettered: ${what} (pass onDeadLetter to handle it): ${describe(error)}`,
      {
        code: code === "conversation_turn_limit" ? "MOLECULE_TURN_LIMIT" : "MOLECULE_DEAD_LETTER",
      },
    );
  }

  /** Resolves true once every queued answer is delivered or dead-lettered, false after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    const idle = await this.#idle(timeoutMs);
    await this.#state?.flush();
    return idle;
  }

  /**
   * Gives queued answers `drainMs`, then stops sending: retry timers are cancelled and sends in
   * flight aborted. Unsent answers stay persisted when `persistent` (the next start sends them);
   * otherwise each one is dead-lettered, never dropped.
   */
  async stop(drainMs: number, persistent: boolean): Promise<void> {
    if (!(await this.#idle(drainMs))) {
      this.#logger.warn?.("drain timeout: answers are still in the reply outbox", {
        count: this.#entries.size,
      });
    }
    this.#stopped.abort();
    this.#sentWaiters.release();
    for (const e of this.#entries.values()) clearTimeout(e.timer);
    this.#ready.length = 0;
    for (const wake of this.#roomWaiters.splice(0)) wake();
    await Promise.allSettled(this.#reports);
    const unsent = [...this.#entries.values()].map((e) => e.msg);
    await this.#state?.flush();
    if (persistent) return;
    for (const msg of unsent) {
      await this.deadLetter(
        msg,
        new MoleculeReplyError(
          `the agent stopped before the reply to message ${msg.messageId ?? msg.activityId ?? "?"} was delivered; pass a persistent cursorStore to resend it on the next start`,
          undefined,
        ),
      ).catch(() => undefined);
    }
  }

  /**
   * Queues the answer `text` to `msg`, so the caller may then settle `msg`: the outbox holding the
   * answer is saved in the next write of the agent state, which a settle asked for afterwards
   * joins or follows (never precedes), and the answer is sent once that write is done. From there
   * on it is sent even across a restart; a crash before it leaves `msg` unsettled (handled again).
   */
  #enqueue(
    msg: InboundMessage,
    text: string,
    task: AnswerTask | undefined,
    failure?: AnswerFailure,
  ): void {
    const record: OutboxRecord = {
      id: answerMessageId(this.#client.workspaceId, msg, task, failure), // the same in every run
      text,
      to: { source: msg.source, sourceId: msg.sourceId },
      queuedAt: new Date().toISOString(),
    };
    if (task !== undefined) record.task = task;
    if (failure !== undefined) record.failure = failure;
    if (msg.activityId !== undefined) record.to.activityId = msg.activityId;
    if (msg.messageId !== undefined) record.to.messageId = msg.messageId;
    if (msg.contextId !== undefined) record.to.contextId = msg.contextId;
    if (this.#entries.has(record.id)) return; // queued already
    const entry: Entry = { record, msg, attempts: 0 };
    this.#entries.set(record.id, entry);
    this.#text += text.length;
    this.#persist().then(
      () => {
        this.#queue(entry);
        this.#pump();
      },
      (err: unknown) => {
        // Only when the agent stops with the store failing: the settle was not written either.
        if (this.#entries.delete(record.id)) this.#text -= text.length;
        this.#logger.error?.("could not persist the reply outbox", { error: describe(err) });
      },
    );
  }

  /** Adds `entry` to the outbox (a restored one: sent under its original id) and the send queue. */
  #queue(entry: Entry): void {
    if (!this.#entries.has(entry.record.id)) this.#text += entry.record.text.length;
    this.#entries.set(entry.record.id, entry);
    this.#answered.add(entry.record.to.activityId);
    this.#ready.push(entry);
  }

  #idle(timeoutMs: number): Promise<boolean> {
    if (this.#entries.size === 0) return Promise.resolve(true);
    return this.#idleWaiters.wait(timeoutMs);
  }

  #pump(): void {
    while (this.#sending < this.#concurrency && this.#ready.length > 0) {
      if (this.#stopped.signal.aborted) return;
      const entry = this.#ready.shift()!;
      this.#sending++;
      void this.#attempt(entry).finally(() => {
        this.#sending--;
        this.#pump();
      });
    }
  }

  /** Sends one answer once (in the trace context its message was handled in). */
  async #attempt(entry: Entry): Promise<void> {
    const signal = this.#stopped.signal;
    const { record, msg } = entry;
    entry.attempts++;
    try {
      await this.#observer.inContextOf(msg, () =>
        this.#client.reply(msg, record.text, {
          signal,
          messageId: record.id,
          timeoutMs: this.#timeoutMs,
          ...(record.task ? { task: record.task } : {}),
          ...(record.failure ? { failure: record.failure } : {}),
        }),
      );
      this.#remove(entry);
    } catch (err) {
      if (signal.aborted) return;
      const delay = this.#retryDelay(entry, err);
      this.#observer.replyFailed(msg, entry.attempts, err, delay);
      if (delay === undefined) {
        await this.#undeliverable(entry, err);
        this.#remove(entry);
        return;
      }
      // Wait for the retry without holding a send slot: a dead peer slows no one.
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (signal.aborted) return;
        this.#ready.push(entry);
        this.#pump();
      }, delay);
    }
  }

  /**
   * The wait before the next attempt to send `entry` after `err`, `undefined` when undeliverable: a
   * permanent refusal at once; a failure of the platform's own (`retryable`: 5xx, a timeout, the
   * platform unreachable) once older than {@link REPLY_KEEP_MS}, backing off to 30 s (or what the
   * platform asked); the rate limit, what it (or this process's budget for it) asked, no more. The
   * platform's certificate failing (expired, replaced) is its own fault too, though not retryable.
   */
  #retryDelay(entry: Entry, err: unknown): number | undefined {
    const tls = isTlsErrorCode((err as { code?: unknown } | null)?.code);
    if (isPermanent(err) && !tls) return undefined;
    const backoff = backoffDelay(entry.attempts, this.#retryBaseMs, RETRY_MAX_MS);
    if (!tls && (err as { retryable?: unknown } | null)?.retryable !== true) {
      return entry.attempts >= this.#maxAttempts ? undefined : backoff;
    }
    const queuedAt = Date.parse(entry.record.queuedAt);
    if (Date.now() - (Number.isFinite(queuedAt) ? queuedAt : 0) > REPLY_KEEP_MS) return undefined;
    const asked = askedWaitMs(err);
    if (asked !== undefined && (err as { code?: unknown }).code === "rate_limited") return asked;
    return Math.max(asked ?? 0, backoff);
  }

  /**
   * Tells the sender of a polled message that it will never be answered (the sender may be waiting
   * in `callPeer`, or a person on the canvas): an answer naming why ({@link AnswerFailure}), sent
   * through the outbox like any answer. Not for an answer (answers are never answered), nor for a
   * message whose own answer could not be delivered (the failure would not be either), nor for a
   * pushed message (its A2A result carries the failure) or one whose sender is not known.
   */
  #answerFailure(msg: InboundMessage, error: unknown): void {
    if (msg.activityId === undefined || msg.isReply || this.#state === undefined) return;
    if (msg.source !== "canvas_user" && !(msg.source === "peer_agent" && msg.sourceId)) return;
    const reason = deadLetterReason(error);
    if (reason === "reply_failed") return;
    const why: Record<AnswerFailure, string> = {
      handler_failed: "its handler failed on every attempt",
      turn_limit: "its conversation went over this agent's turn limit",
      delivery_limit: "it was delivered too many times without finishing",
    };
    this.#enqueue(
      msg,
      `This agent could not handle the message (${reason}: ${why[reason]}); it will not be answered.`,
      undefined,
      reason,
    );
  }

  /** Dead-letters an answer that could not be delivered (a failure answer is only logged). */
  async #undeliverable(entry: Entry, cause: unknown): Promise<void> {
    const msg = entry.msg;
    if (entry.record.failure !== undefined) {
      this.#logger.warn?.("the failure answer of a dead-lettered message could not be delivered", {
        messageId: msg.messageId,
        error: describe(cause),
      });
      return;
    }
    const error = new MoleculeReplyError(
      `the reply to message ${msg.messageId ?? msg.activityId ?? "?"} (to ${msg.sourceId ?? msg.source}) could ` +
        `not be delivered after ${entry.attempts} attempt(s)` +
        (isPermanent(cause) ? " (the platform refused it for good)" : "") +
        `; the handler succeeded and is not run again: ${describe(cause)}`,
      cause,
    );
    try {
      await this.deadLetter(msg, error);
    } catch (err) {
      this.#logger.error?.("onDeadLetter threw for a failed reply", { error: describe(err) });
    }
  }

  #remove(entry: Entry): void {
    if (this.#entries.delete(entry.record.id)) this.#text -= entry.record.text.length;
    this.#sentWaiters.removed(entry.record.id);
    if (!this.#full()) for (const wake of this.#roomWaiters.splice(0)) wake();
    // The answer went out: it leaves the stored outbox with the next write (at worst it is sent
    // once more after a restart, with the same messageId).
    this.#state?.trimOutbox(this.#records);
    if (this.#entries.size === 0) this.#idleWaiters.notify();
  }

  /** Saves the outbox's records (a new array: the state store keeps it). */
  #persist(): Promise<void> {
    return this.#state?.saveOutbox(this.#records) ?? Promise.resolve();
  }

  /** The outbox's records as a new array, bound once (every save hands it over). */
  readonly #records = (): OutboxRecord[] => Array.from(this.#entries.values(), (e) => e.record);

  /** Reports a dead letter to the platform; a failed report is logged (the message stays settled). */
  async #report(msg: InboundMessage, error: unknown): Promise<void> {
    if (this.#client.reportActivity === undefined) return;
    const reason = deadLetterReason(error);
    const id = msg.messageId ?? msg.activityId ?? "?";
    try {
      await this.#client.reportActivity(
        {
          activityType: "error",
          method: msg.method,
          status: "error",
          summary: `dead letter (${reason}): message ${id.slice(0, 128)}`,
          errorDetail: describe(error).slice(0, MAX_REPORT_DETAIL),
          // The sender the platform authenticated (polled messages); a pushed one's is only claimed.
          ...(msg.sourceId !== null ? { targetId: msg.sourceId } : {}),
          requestBody: {
            dead_letter: {
              reason,
              activity_id: msg.activityId ?? null,
              message_id: msg.messageId ?? null,
              context_id: msg.contextId ?? null,
            },
          },
        },
        { signal: AbortSignal.timeout(REPORT_TIMEOUT_MS) },
      );
    } catch (err) {
      this.#logger.warn?.("could not report a dead letter to the platform", {
        messageId: id,
        error: describe(err),
      });
    }
  }
}
