// The reply outbox: answers leave the handler slot. Each answer is persisted with the agent state
// before its message counts as settled, then sent with its own bounded concurrency, retried with
// backoff (no slot is held while waiting) and dead-lettered when it cannot be delivered.
import { randomUUID } from "node:crypto";
import type { AnswerTask } from "../../a2a/index.js";
import { BoundedSet } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import type { OutboxRecord } from "../../inbound/index.js";
import { describe } from "../../transport/index.js";
import { IdleWaiters, MoleculeError, backoffDelay } from "../../transport/index.js";

/**
 * The handler ran and returned an answer, but the answer could not be delivered to the sender
 * (handed to `onDeadLetter`). The handler is not run again for it.
 */
export class MoleculeReplyError extends MoleculeError {
  constructor(message: string, cause: unknown) {
    super(message, { code: "reply_failed", retryable: false, cause });
  }
}

/** Options of {@link ReplyOutbox}. */
export interface ReplyOutboxOptions {
  /** Sends one answer (the platform client's `reply`, with the record's fixed `messageId`). */
  send(record: OutboxRecord, to: InboundMessage, signal: AbortSignal): Promise<void>;
  /** Persists the whole outbox; resolves once durable. */
  persist(records: OutboxRecord[]): Promise<void>;
  /** Answers being sent at once (default 8). */
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  onDeadLetter(msg: InboundMessage, error: unknown): Promise<void>;
  /** A send failed; `retryInMs` is undefined when it is not retried (then dead-lettered). */
  onFailed(msg: InboundMessage, attempt: number, error: unknown, retryInMs?: number): void;
  logger: Logger;
}

interface Entry {
  record: OutboxRecord;
  /** The message answered (the original in this run; rebuilt from the record after a restart). */
  msg: InboundMessage;
  attempts: number;
  timer?: NodeJS.Timeout;
}

function isPermanent(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { retryable?: unknown }).retryable === false;
}

/** Rebuilds the parts of an {@link InboundMessage} that routing an answer needs. */
function messageOf(record: OutboxRecord): InboundMessage {
  const msg: InboundMessage = {
    activityId: record.to.activityId,
    messageId: record.to.messageId,
    method: "message/send",
    params: undefined,
    source: record.to.source,
    sourceId: record.to.sourceId,
    text: "",
    parts: [],
    receivedAt: new Date(record.queuedAt),
    isReply: false,
    raw: undefined,
  };
  if (record.to.contextId !== undefined) msg.contextId = record.to.contextId;
  return msg;
}

/** Persisted, concurrency-limited, retrying sender of answers. */
export class ReplyOutbox {
  readonly #o: ReplyOutboxOptions;
  readonly #entries = new Map<string, Entry>();
  /** The entries' records in queue order, kept beside the map: a save copies it in one slice. */
  readonly #records: OutboxRecord[] = [];
  readonly #ready: Entry[] = [];
  readonly #abort = new AbortController();
  readonly #idleWaiters = new IdleWaiters();
  /** Activity and message ids answered (queued or restored), even after the answer went out. */
  readonly #answered = new BoundedSet(2_000);
  #running = 0;

  /** @param options see {@link ReplyOutboxOptions} */
  constructor(options: ReplyOutboxOptions) {
    this.#o = options;
  }

  /** Answers not delivered yet (queued, being sent, or waiting to retry). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Queues the answer `text` to `msg`. Resolves once the outbox (with it) is persisted, so the
   * caller may then settle `msg`: from here on the answer is sent even across a restart.
   */
  async enqueue(msg: InboundMessage, text: string, task?: AnswerTask): Promise<void> {
    const record: OutboxRecord = {
      id: randomUUID(),
      text,
      to: { source: msg.source, sourceId: msg.sourceId },
      queuedAt: new Date().toISOString(),
    };
    if (task !== undefined) record.task = task;
    if (msg.activityId !== undefined) record.to.activityId = msg.activityId;
    if (msg.messageId !== undefined) record.to.messageId = msg.messageId;
    if (msg.contextId !== undefined) record.to.contextId = msg.contextId;
    const entry: Entry = { record, msg, attempts: 0 };
    this.#entries.set(record.id, entry);
    this.#records.push(record);
    try {
      await this.#persist();
    } catch (err) {
      this.#entries.delete(record.id);
      this.#dropRecord(record);
      throw err;
    }
    this.#remember(record);
    this.#ready.push(entry);
    this.#pump();
  }

  /** Whether an answer to `msg` (same activity id or messageId) was queued in this run or restored. */
  has(msg: InboundMessage): boolean {
    return this.#answered.has(msg.activityId) || this.#answered.has(msg.messageId);
  }

  #remember(record: OutboxRecord): void {
    this.#answered.add(record.to.activityId);
    this.#answered.add(record.to.messageId);
  }

  /** Queues answers persisted by a previous run (sent under their original ids). */
  restore(records: OutboxRecord[]): void {
    for (const record of records) {
      if (this.#entries.has(record.id)) continue;
      const entry: Entry = { record, msg: messageOf(record), attempts: 0 };
      this.#entries.set(record.id, entry);
      this.#records.push(record);
      this.#remember(record);
      this.#ready.push(entry);
    }
    if (records.length > 0) {
      this.#o.logger.info?.("resending answers left in the reply outbox by a previous run", {
        count: records.length,
      });
    }
    this.#pump();
  }

  /** Resolves true once every answer is delivered or dead-lettered, false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#entries.size === 0) return Promise.resolve(true);
    return this.#idleWaiters.wait(timeoutMs);
  }

  /**
   * Stops sending: cancels retry timers and aborts sends in flight. Undelivered answers stay in
   * the persisted outbox (a persistent store sends them on the next start); they are returned.
   */
  stop(): InboundMessage[] {
    this.#abort.abort();
    for (const e of this.#entries.values()) clearTimeout(e.timer);
    this.#ready.length = 0;
    return [...this.#entries.values()].map((e) => e.msg);
  }

  #pump(): void {
    while (this.#running < this.#o.concurrency && this.#ready.length > 0) {
      if (this.#abort.signal.aborted) return;
      const entry = this.#ready.shift()!;
      this.#running++;
      void this.#attempt(entry).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #attempt(entry: Entry): Promise<void> {
    const signal = this.#abort.signal;
    entry.attempts++;
    try {
      await this.#o.send(entry.record, entry.msg, signal);
      await this.#remove(entry);
      return;
    } catch (err) {
      if (signal.aborted) return;
      const permanent = isPermanent(err);
      const last = permanent || entry.attempts >= this.#o.maxAttempts;
      const delay = last
        ? undefined
        : backoffDelay(entry.attempts, this.#o.retryBaseMs, this.#o.retryMaxMs);
      this.#o.onFailed(entry.msg, entry.attempts, err, delay);
      if (delay === undefined) {
        await this.#deadLetter(entry, err);
        await this.#remove(entry);
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

  async #remove(entry: Entry): Promise<void> {
    this.#entries.delete(entry.record.id);
    this.#dropRecord(entry.record);
    try {
      await this.#persist();
    } catch (err) {
      // The answer went out; at worst it is sent once more after a restart (same messageId).
      this.#o.logger.error?.("could not persist the reply outbox", { error: describe(err) });
    }
    if (this.#entries.size === 0) this.#idleWaiters.notify();
  }

  async #deadLetter(entry: Entry, cause: unknown): Promise<void> {
    const to = entry.msg.sourceId ?? entry.msg.source;
    const error = new MoleculeReplyError(
      `the reply to message ${entry.msg.messageId ?? entry.msg.activityId ?? "?"} (to ${to}) could ` +
        `not be delivered after ${entry.attempts} attempt(s); the handler succeeded and is not run ` +
        `again: ${describe(cause)}`,
      cause,
    );
    try {
      await this.#o.onDeadLetter(entry.msg, error);
    } catch (err) {
      this.#o.logger.error?.("onDeadLetter threw for a failed reply", { error: describe(err) });
    }
  }

  #dropRecord(record: OutboxRecord): void {
    const i = this.#records.indexOf(record);
    if (i !== -1) this.#records.splice(i, 1);
  }

  /** Saves a copy of the records (one slice; was a spread of the map and a map() per save). */
  #persist(): Promise<void> {
    return this.#o.persist(this.#records.slice());
  }
}
