// The reply outbox, the last stage of a polled message: its answer leaves the handler slot here (a
// pushed message's answer is its A2A result, returned by the push source). Each answer is
// persisted with the agent state before its message counts as settled, then sent with its own
// bounded concurrency and retried (no slot is held while waiting). An answer is delivered or
// provably undeliverable: the platform's own faults (its rate limit, an outage, a restart) and
// whatever the path to it says (the resolver, a proxy, the certificate, a front's page, the
// connection: transport/path-failure.ts) only delay it, for up to REPLY_KEEP_MS, across restarts;
// only the platform's own permanent refusal (the sender removed, not allowed) dead-letters it
// (dead-letters.ts, which a message that ends without being handled goes to through here, so
// that its waiting sender is answered that it never will be).
import type { AnswerFailure, AnswerTask } from "../../a2a/index.js";
import type { A2ATaskStore } from "../../a2a/index.js";
import type { AgentObserver } from "../../events/index.js";
import { BoundedSet, type InboundMessage, type OutboxRecord } from "../../inbound/index.js";
import type { AgentStateStore } from "../../store/index.js";
import type { Logger } from "../../transport/index.js";
import { IdleWaiters, pathFailureOf, platformRefused } from "../../transport/index.js";
import { askedWaitMs, backoffDelay, describe } from "../../transport/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";
import { DeadLetters, MoleculeReplyError } from "./dead-letters.js";
import { PollTasks } from "./poll-tasks.js";
import { answerMessageId, messageOf, SentWaiters } from "./outbox-record.js";

/** Longest wait between two attempts to send an answer. */
const RETRY_MAX_MS = 30_000;
/** One attempt to send an answer, or a poll agent's checkpoint (`replyTimeoutMs`: why 20 s). */
export const REPLY_TIMEOUT_MS = 20_000;
/**
 * How long an answer is kept through the platform's transient failures and the path's, from when
 * it was queued.
 */
export const REPLY_KEEP_MS = 24 * 60 * 60_000;
/** Most answers (and UTF-16 units of text) the outbox holds; past either a finished handler waits. */
const MAX_OUTBOX_ANSWERS = 10_000;
const MAX_OUTBOX_TEXT = 64 * 1024 * 1024;

/** An answer in the outbox. */
interface Entry {
  record: OutboxRecord;
  /** The message answered (the original in this run; rebuilt from the record after a restart). */
  msg: InboundMessage;
  attempts: number;
  timer?: NodeJS.Timeout;
  /** Its last attempt failed on the path to the platform: the path warnings count it as held. */
  held?: boolean;
}

/** The reply outbox of one agent, through which its messages are dead-lettered. */
export class Answers {
  readonly #client: AgentPlatformClient;
  readonly #observer: AgentObserver;
  readonly #logger: Logger;
  /** The tasks of questions asked by polled messages' handlers. */
  readonly #tasks: PollTasks;
  /** Where a message that ends without being handled, or an undeliverable answer, goes. */
  readonly #deadLetters: DeadLetters;
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
  /** Entries waiting for a send slot. */
  readonly #ready: Entry[] = [];
  #sending = 0; // entries being sent
  /** Entries whose last attempt failed on the path to the platform (see {@link Entry.held}). */
  #held = 0;
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
    this.#observer = observer;
    this.#logger = observer.logger;
    this.#tasks = new PollTasks(client.workspaceId, tasks, this.#logger);
    this.#deadLetters = new DeadLetters(client, options, observer, this.#stopped.signal);
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
    const refusal = await this.#tasks.check(msg);
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
   * Dead-letters `msg` ({@link DeadLetters.deadLetter}); when its sender waits for an answer and
   * the outbox is persisted, first queues the answer that says it will not come
   * ({@link DeadLetters.failureAnswer}).
   */
  async deadLetter(msg: InboundMessage, error: unknown): Promise<void> {
    const failure = this.#state ? this.#deadLetters.failureAnswer(msg, error) : undefined;
    if (failure) this.#enqueue(msg, failure.text, undefined, failure.reason);
    await this.#deadLetters.deadLetter(msg, error);
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
    await this.#deadLetters.reported();
    const unsent = [...this.#entries.values()].map((e) => e.msg);
    await this.#state?.flush();
    if (persistent) return;
    for (const msg of unsent) {
      await this.#deadLetters
        .deadLetter(
          msg,
          new MoleculeReplyError(
            `the agent stopped before the reply to message ${msg.messageId ?? msg.activityId ?? "?"} was delivered; pass a persistent cursorStore to resend it on the next start`,
            undefined,
          ),
        )
        .catch(() => undefined);
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
    // An answer leaves only under a lease proven current (store/state-lock.ts): else the agent ends.
    if (this.#state && !(await this.#state.proven())) return;
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
      const held = entry.held === true;
      this.#remove(entry);
      this.#observer.path.passed(this.#held, held);
    } catch (err) {
      if (signal.aborted) return;
      const delay = this.#retryDelay(entry, err);
      this.#observer.replyFailed(msg, entry.attempts, err, delay);
      if (delay === undefined) {
        await this.#deadLetters.undeliverable(msg, record, entry.attempts, err);
        this.#remove(entry);
        this.#observer.path.passed(this.#held);
        return;
      }
      const path = pathFailureOf(err) !== undefined;
      if (path !== (entry.held === true)) this.#held += path ? 1 : -1;
      entry.held = path;
      if (path) this.#observer.path.failed(err, this.#held);
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
   * The wait before the next attempt to send `entry` after `err`, `undefined` when undeliverable:
   * the platform's own permanent refusal at once (`platformRefused`); a failure of the platform's
   * own (`retryable`: 5xx, a timeout) or of the path to it (`pathFailureOf`: DNS, a proxy, TLS, a
   * front's page, the connection) once older than {@link REPLY_KEEP_MS}, backing off to 30 s (or
   * what the platform asked); the rate limit, what it (or this process's budget for it) asked, no
   * more. Any other error (a custom client's): `maxAttempts`.
   */
  #retryDelay(entry: Entry, err: unknown): number | undefined {
    if (platformRefused(err)) return undefined;
    const backoff = backoffDelay(entry.attempts, this.#retryBaseMs, RETRY_MAX_MS);
    const path = pathFailureOf(err) !== undefined;
    if (!path && (err as { retryable?: unknown } | null)?.retryable !== true) {
      return entry.attempts >= this.#maxAttempts ? undefined : backoff;
    }
    const queuedAt = Date.parse(entry.record.queuedAt);
    if (Date.now() - (Number.isFinite(queuedAt) ? queuedAt : 0) > REPLY_KEEP_MS) return undefined;
    const asked = askedWaitMs(err);
    if (asked !== undefined && (err as { code?: unknown }).code === "rate_limited") return asked;
    return Math.max(asked ?? 0, backoff);
  }

  #remove(entry: Entry): void {
    if (entry.held === true) this.#held--;
    entry.held = false;
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
}
