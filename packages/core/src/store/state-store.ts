// One persisted agent state shared by poll delivery (cursor, de-dup window, in-flight journal), the
// reply outbox and the push delivery counts: all write through this wrapper, which merges them into
// one atomic save of the user's CursorStore (file, memory, or a database store implementing it).
//
// Honest storage: a failed write is never passed over. It is retried (backoff up to 5 s) and the
// save that asked for it resolves only once it is written, so poll delivery (which journals a
// message, with the settle of the one whose slot it takes, before its handler runs) starts no new
// handler while the store cannot write; push claims are refused at once. `onUnwritable` and
// `onWritable` tell the agent when writing stops and starts working again.
import { MAX_ID_LENGTH } from "../a2a/index.js";
import { boundedKey } from "../inbound/index.js";
import { MoleculeStoreError } from "./cursor-store.js";
import type { CursorState, CursorStore } from "../inbound/index.js";
import type { DeadLetterRecord, OutboxRecord, PushDeliveryEntry } from "../inbound/index.js";
import type { PendingToolCallRecord, PlatformPushRecord } from "../inbound/index.js";
import { describe } from "../transport/index.js";
import { setImmediate } from "../runtime/index.js";

const PROVEN = Promise.resolve(true);

/** Dead letters kept in the state (oldest dropped first). */
const DEAD_LETTERS_KEPT = 1000;

/** The empty list every part starts as (shared: most agents never store outbox or push records). */
const NONE: readonly never[] = Object.freeze([]);

/** First and longest wait before a failed write is tried again. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 5_000;
/** A delivered answer leaves the stored outbox with the next write, or this long after at most. */
const TRIM_WRITE_MS = 1_000;

/** What {@link AgentStateStore} reports about its writes (the agent's `storeUnwritable` events). */
export interface StateStoreEvents {
  /** A write failed: no new work until a write succeeds (called once per outage). */
  onUnwritable?(error: unknown): void;
  /** A write succeeded again after {@link onUnwritable}; `downMs` is how long writing failed. */
  onWritable?(downMs: number): void;
}

/** Whether `id` is kept as a hash (see `boundedKey`). */
function overlong(id: string | undefined): boolean {
  return id !== undefined && boundedKey(id) !== id;
}

/** Whether an id is over the bound (a plain length test: no call per id on the usual path). */
function over(id: string | undefined): boolean {
  return id !== undefined && id.length > MAX_ID_LENGTH;
}

/** Whether any entry's messageId (or an outbox record's ids) would be stored as a hash. */
function anyOverlong(entries: readonly { messageId?: string; to?: OutboxRecord["to"] }[]): boolean {
  for (const e of entries) {
    if (over(e.messageId)) return true;
    if (e.to !== undefined && (over(e.to.messageId) || over(e.to.contextId))) return true;
  }
  return false;
}

/**
 * An outbox record as stored: the ids it answers kept as bounded keys (an overlong one, which the
 * entry stages refuse anyway, is stored as its hash and cannot be named by a resend).
 */
function boundedOutbox(r: OutboxRecord): OutboxRecord {
  const { messageId, contextId } = r.to;
  if (!overlong(messageId) && !overlong(contextId)) return r;
  const to = { ...r.to };
  if (messageId !== undefined) to.messageId = boundedKey(messageId);
  if (contextId !== undefined) to.contextId = boundedKey(contextId);
  return { ...r, to };
}

/** A push delivery count as stored (its messageId a bounded key). */
function boundedPush(e: PushDeliveryEntry): PushDeliveryEntry {
  return over(e.messageId) ? { ...e, messageId: boundedKey(e.messageId) } : e;
}

/** A dead letter as stored (its messageId a bounded key). */
function boundedDead(d: DeadLetterRecord): DeadLetterRecord {
  return over(d.messageId) ? { ...d, messageId: boundedKey(d.messageId!) } : d;
}

/** Merges poll state, outbox records and push counts into single, serialised saves of `inner`. */
export class AgentStateStore {
  #inner: CursorStore | undefined;
  readonly #events: StateStoreEvents;
  /** Since when writes fail (performance.now()), while they do. */
  #failingSince: number | undefined;
  #lastError: unknown;
  /** Set by {@link endRetries}: failing writes reject instead of waiting. */
  #ended = false;
  /** Wakes the retry wait of a failing write early (endRetries). */
  #wakeRetry: (() => void) | undefined;
  #loaded: Promise<CursorState | undefined> | undefined;
  /** The load succeeded: a save then asks for its write at once (no load to wait for). */
  #isLoaded = false;
  #poll: CursorState | undefined;
  /** Takes poll delivery's state when the next write starts (see {@link savePoll}). */
  #pollOf: (() => CursorState) | undefined;
  #outbox: readonly OutboxRecord[] = NONE;
  /** Takes the outbox's records when the next write starts (see {@link saveOutbox}). */
  #outboxOf: (() => OutboxRecord[]) | undefined;
  /** The write {@link trimOutbox} asked for, when no other came first. */
  #trimTimer: ReturnType<typeof setTimeout> | undefined;
  #push: readonly PushDeliveryEntry[] = NONE;
  #dead: readonly DeadLetterRecord[] = NONE;
  #platform: PlatformPushRecord | undefined;
  #calls: readonly PendingToolCallRecord[] = NONE;
  /** The last write (none before the first). */
  #chain: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  /**
   * @param inner the store that persists the merged state, or `undefined` to keep it in memory
   *   only: nothing is written (an agent starts once, so nothing would read it back)
   * @param events write health reports
   */
  constructor(inner: CursorStore | undefined, events: StateStoreEvents = {}) {
    this.#inner = inner;
    this.#events = events;
  }

  /**
   * Persists in `inner` from now on: an agent without a store of its own, on poll delivery, keeps
   * its state in the default store (default-store.ts). Only before anything was loaded.
   */
  persistIn(inner: CursorStore): void {
    if (this.#inner !== undefined || this.#loaded !== undefined) {
      throw new Error("AgentStateStore.persistIn: the state is in use already");
    }
    this.#inner = inner;
  }

  /**
   * Whether the agent may act now (the one check of its stages, asked before a handler starts
   * and before an answer, an acknowledgement or a checkpoint leaves): its store's answer when the
   * store is held under a lease (`CursorStore.proven`: the default store's folder), else `true` at
   * once. `false` once that lease is lost (the agent then ends).
   */
  proven(): Promise<boolean> {
    return this.#inner?.proven?.() ?? PROVEN;
  }

  /**
   * Loads the state and checks the store can write (`inner.check()`, when it has one). `start()`
   * calls it: an unreadable state or a store that cannot write fails the start with a
   * {@link MoleculeStoreError} naming the file and what to do.
   */
  async open(): Promise<void> {
    await this.#load();
    await this.#inner?.check?.();
  }

  /** Whether saves are written to a store (else the state lives in memory only). */
  get persists(): boolean {
    return this.#inner !== undefined;
  }

  /** False while writes fail (between `onUnwritable` and `onWritable`). */
  get writable(): boolean {
    return this.#failingSince === undefined;
  }

  /**
   * Throws a `store_unwritable` {@link MoleculeStoreError} while writes fail: what takes new work
   * (a push claim) calls it first, so nothing is handled that could not be recorded.
   */
  assertWritable(): void {
    if (this.#failingSince === undefined) return;
    throw new MoleculeStoreError(
      "store_unwritable",
      `the agent's store cannot save (${describe(this.#lastError)}): it takes no new messages until it can; retry later.`,
      { cause: this.#lastError },
    );
  }

  /**
   * The agent is stopping: a write that fails from now on (and one waiting to be retried) rejects
   * with `store_stopped` instead of waiting for the store to come back. What was not written is
   * still journaled as in flight in the last written state, so it is redelivered, marked so.
   */
  endRetries(): void {
    this.#ended = true;
    this.#wakeRetry?.();
  }

  /** The stored state without the outbox (what poll delivery reads). Loads once. */
  async load(): Promise<CursorState | undefined> {
    const state = await this.#load();
    if (!state) return undefined;
    const {
      outbox: _o,
      pushDeliveries: _p,
      deadLetters: _d,
      platformPush: _f,
      pendingToolCalls: _c,
      ...rest
    } = state;
    return rest;
  }

  /** The outbox records stored by a previous run. */
  async loadOutbox(): Promise<OutboxRecord[]> {
    return [...((await this.#load())?.outbox ?? [])];
  }

  /** The push delivery counts stored by a previous run. */
  async loadPush(): Promise<PushDeliveryEntry[]> {
    return [...((await this.#load())?.pushDeliveries ?? [])];
  }

  /** What a push agent learned about its platform, as a previous run stored it. */
  async loadPlatformPush(): Promise<PlatformPushRecord | undefined> {
    await this.#load();
    return this.#platform;
  }

  /** Saves what a push agent learned about its platform (merged with the rest). */
  async savePlatformPush(record: PlatformPushRecord): Promise<void> {
    await this.#load();
    this.#platform = record;
    await this.#write();
  }

  /** The tool calls waiting for a decision or decided, as a previous run (or this one) saved them. */
  async loadToolCalls(): Promise<PendingToolCallRecord[]> {
    await this.#load();
    return [...this.#calls];
  }

  /** Saves the pending tool calls (merged with the rest; a fresh array). Resolves once written. */
  async saveToolCalls(records: PendingToolCallRecord[]): Promise<void> {
    await this.#load();
    this.#calls = records;
    await this.#write();
  }

  /** The messages dead-lettered by the delivery limit, oldest first. */
  async loadDeadLetters(): Promise<DeadLetterRecord[]> {
    await this.#load();
    return [...this.#dead];
  }

  /**
   * Saves poll delivery's state, as `snapshot` returns it when the write starts (merged with the
   * rest; a save asked while another waits to start shares it). Resolves once written: the write
   * includes every change made before the call.
   */
  savePoll(snapshot: () => CursorState): Promise<void> {
    if (!this.#isLoaded) return this.#loadThen(() => this.savePoll(snapshot));
    this.#pollOf = snapshot;
    return this.#write();
  }

  /**
   * Saves the outbox, as `records` returns it when the write starts (merged with the rest; a
   * fresh array the store keeps). Resolves once written, as {@link savePoll}.
   */
  saveOutbox(records: () => OutboxRecord[]): Promise<void> {
    if (!this.#isLoaded) return this.#loadThen(() => this.saveOutbox(records));
    this.#outboxOf = records;
    return this.#write();
  }

  /**
   * Notes the outbox after answers were delivered, without a write of its own: the next write
   * takes it (there is one in every wave of messages), at the latest {@link TRIM_WRITE_MS} from
   * now or at {@link flush}. Until then a restart sends those answers once more, as a crash between
   * a delivery and its write always could (the same `messageId`: the receiver drops the copy).
   */
  trimOutbox(records: () => OutboxRecord[]): void {
    if (this.#inner === undefined) return; // in memory only: nothing stored to trim
    this.#outboxOf = records;
    if (this.#queued !== undefined || this.#trimTimer !== undefined) return; // the queued write takes it
    this.#trimTimer = setTimeout(() => this.#trimNow(), TRIM_WRITE_MS);
    this.#trimTimer.unref?.();
  }

  /** Writes what {@link trimOutbox} noted (a failure is reported by the write itself). */
  #trimNow(): void {
    clearTimeout(this.#trimTimer);
    this.#trimTimer = undefined;
    if (this.#outboxOf !== undefined) this.#write().catch(() => undefined);
  }

  /**
   * `save` once the state is loaded (the two saves of every message skip this when it is: no
   * promise or await of their own).
   */
  async #loadThen(save: () => Promise<void>): Promise<void> {
    await this.#load();
    await save();
  }

  /** Saves the push delivery counts (merged with the rest). Resolves once durable. */
  async savePush(entries: PushDeliveryEntry[]): Promise<void> {
    await this.#load();
    this.#push = entries.map(boundedPush);
    await this.#write();
  }

  /** Records a dead letter (the oldest go past 1,000). Resolves once durable. */
  async addDeadLetter(record: DeadLetterRecord): Promise<void> {
    await this.#load();
    this.#dead = [...this.#dead, boundedDead(record)].slice(-DEAD_LETTERS_KEPT);
    await this.#write();
  }

  /**
   * Resolves once every requested save is written, and made durable by the store (`flush`); a store
   * that fails to is reported (`onUnwritable`), never passed over.
   */
  async flush(): Promise<void> {
    if (this.#trimTimer !== undefined) this.#trimNow();
    for (;;) {
      const chain = this.#chain;
      await chain;
      if (chain === this.#chain) break;
    }
    try {
      await this.#inner?.flush?.();
    } catch (err) {
      this.#failed(err);
    }
  }

  /** Loads once (a failed load is tried again by the next call). */
  #load(): Promise<CursorState | undefined> {
    this.#loaded ??= (this.#inner?.load() ?? Promise.resolve(undefined)).then(
      (state) => {
        this.#isLoaded = true;
        if (state) {
          const { outbox, pushDeliveries, deadLetters, platformPush, pendingToolCalls, ...rest } =
            state;
          this.#poll = rest;
          this.#calls = pendingToolCalls ?? NONE;
          this.#platform = platformPush;
          this.#outbox = outbox ?? NONE;
          this.#push = pushDeliveries?.map(boundedPush) ?? NONE;
          this.#dead = deadLetters?.map(boundedDead) ?? NONE;
        }
        return state;
      },
      (err: unknown) => {
        this.#loaded = undefined;
        throw err;
      },
    );
    return this.#loaded;
  }

  /**
   * Coalesced serial writes: a save requested while one is queued (until the event loop's next
   * turn, or while the previous write runs) joins it (it writes the latest).
   * Every save loads the stored state first, so a part never saved in this run keeps its value.
   * A failed write is tried again (with the latest state) until it succeeds or {@link endRetries}.
   */
  #write(): Promise<void> {
    const inner = this.#inner;
    if (inner === undefined) {
      this.#pollOf = undefined; // in memory only: no snapshot to take
      this.#outboxOf = undefined;
      return Promise.resolve();
    }
    if (this.#queued) return this.#queued;
    const p = (this.#chain ?? Promise.resolve()).then(async () => {
      // Saves asked for in this turn of the event loop (settlements, answers and journal entries
      // of the messages whose I/O completed together) join this write.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#queued = undefined;
      for (let wait = RETRY_FIRST_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
        try {
          await inner.save(this.#merged());
          this.#recovered();
          return;
        } catch (err) {
          if ((err as { code?: unknown } | null)?.code === "store_in_use") throw err; // fenced
          this.#failed(err);
          if (this.#ended) throw this.#stopped(err);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeRetry = undefined;
        if (this.#ended) throw this.#stopped(this.#lastError);
      }
    });
    this.#queued = p;
    this.#chain = p.catch(() => undefined);
    return p;
  }

  /**
   * The state to write; ids a sender chose are kept as bounded keys (see `boundedKey`). The poll
   * state and the outbox arrays are fresh copies that nothing changes after their save call, so
   * they are written as they are unless an id is over the bound (saves a copy of the in-flight
   * journal and of the outbox, with a call per entry, on every write).
   */
  #merged(): CursorState {
    if (this.#pollOf) {
      this.#poll = this.#pollOf(); // once per poll save: other writes keep the last snapshot
      this.#pollOf = undefined;
    }
    if (this.#outboxOf) {
      this.#outbox = this.#outboxOf();
      this.#outboxOf = undefined;
    }
    const state: CursorState = { ...this.#poll };
    if (state.inFlight && anyOverlong(state.inFlight)) {
      state.inFlight = state.inFlight.map((e) =>
        e.messageId === undefined ? e : { ...e, messageId: boundedKey(e.messageId) },
      );
    }
    if (this.#outbox.length > 0)
      state.outbox = anyOverlong(this.#outbox)
        ? this.#outbox.map(boundedOutbox)
        : (this.#outbox as OutboxRecord[]);
    if (this.#push.length > 0) state.pushDeliveries = this.#push as PushDeliveryEntry[];
    if (this.#dead.length > 0) state.deadLetters = this.#dead as DeadLetterRecord[];
    if (this.#platform !== undefined) state.platformPush = this.#platform;
    if (this.#calls.length > 0) state.pendingToolCalls = this.#calls as PendingToolCallRecord[];
    return state;
  }

  #failed(err: unknown): void {
    this.#lastError = err;
    if (this.#failingSince !== undefined) return;
    this.#failingSince = performance.now();
    this.#events.onUnwritable?.(err);
  }

  #recovered(): void {
    const since = this.#failingSince;
    if (since === undefined) return;
    this.#failingSince = undefined;
    this.#lastError = undefined;
    this.#events.onWritable?.(performance.now() - since);
  }

  #stopped(cause: unknown): MoleculeStoreError {
    return new MoleculeStoreError(
      "store_stopped",
      `the agent stopped while its store could not save (${describe(cause)}): the messages it had not recorded as settled are redelivered after a restart, marked redelivered.`,
      { cause },
    );
  }
}
