// One persisted agent state shared by poll delivery (cursor, de-dup window, in-flight journal), the
// reply outbox and the push delivery counts: all write through this wrapper, which merges them into
// one atomic save of the user's CursorStore (file, memory, or a database store implementing it).
import type { CursorState, CursorStore } from "../../inbound/index.js";
import type { DeadLetterRecord, OutboxRecord, PushDeliveryEntry } from "../../inbound/index.js";

/** Dead letters kept in the state (oldest dropped first). */
const DEAD_LETTERS_KEPT = 1000;

/** The empty list every part starts as (shared: most agents never store outbox or push records). */
const NONE: readonly never[] = Object.freeze([]);

/** Merges poll state, outbox records and push counts into single, serialised saves of `inner`. */
export class AgentStateStore implements CursorStore {
  readonly #inner: CursorStore;
  #loaded: Promise<CursorState | undefined> | undefined;
  #poll: CursorState | undefined;
  #outbox: readonly OutboxRecord[] = NONE;
  #push: readonly PushDeliveryEntry[] = NONE;
  #dead: readonly DeadLetterRecord[] = NONE;
  /** The last write (none before the first). */
  #chain: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  /** @param inner the store that persists the merged state */
  constructor(inner: CursorStore) {
    this.#inner = inner;
  }

  /** The stored state without the outbox (what poll delivery reads). Loads once. */
  async load(): Promise<CursorState | undefined> {
    const state = await this.#load();
    if (!state) return undefined;
    const { outbox: _o, pushDeliveries: _p, deadLetters: _d, ...rest } = state;
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

  /** The messages dead-lettered by the delivery limit, oldest first. */
  async loadDeadLetters(): Promise<DeadLetterRecord[]> {
    await this.#load();
    return [...this.#dead];
  }

  /** Saves poll delivery's state (merged with the current outbox). */
  async save(state: CursorState): Promise<void> {
    const { outbox: _o, pushDeliveries: _p, deadLetters: _d, ...rest } = state;
    await this.#load();
    this.#poll = rest;
    await this.#write();
  }

  /** Saves the outbox (merged with the last poll state). Resolves once durable. */
  async saveOutbox(records: OutboxRecord[]): Promise<void> {
    await this.#load();
    this.#outbox = records;
    await this.#write();
  }

  /** Saves the push delivery counts (merged with the rest). Resolves once durable. */
  async savePush(entries: PushDeliveryEntry[]): Promise<void> {
    await this.#load();
    this.#push = entries;
    await this.#write();
  }

  /** Records a dead letter (the oldest go past 1,000). Resolves once durable. */
  async addDeadLetter(record: DeadLetterRecord): Promise<void> {
    await this.#load();
    this.#dead = [...this.#dead, record].slice(-DEAD_LETTERS_KEPT);
    await this.#write();
  }

  /** Resolves once every requested save is written. */
  async flush(): Promise<void> {
    for (;;) {
      const chain = this.#chain;
      await chain;
      if (chain === this.#chain) return;
    }
  }

  /** Loads once (a failed load is tried again by the next call). */
  #load(): Promise<CursorState | undefined> {
    this.#loaded ??= this.#inner.load().then(
      (state) => {
        if (state) {
          const { outbox, pushDeliveries, deadLetters, ...rest } = state;
          this.#poll = rest;
          this.#outbox = outbox ?? NONE;
          this.#push = pushDeliveries ?? NONE;
          this.#dead = deadLetters ?? NONE;
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
   * Coalesced serial writes: a save requested while one is queued joins it (it writes the latest).
   * Every save loads the stored state first, so a part never saved in this run keeps its value.
   */
  #write(): Promise<void> {
    if (this.#queued) return this.#queued;
    const p = (this.#chain ?? Promise.resolve()).then(async () => {
      this.#queued = undefined;
      const state: CursorState = { ...this.#poll };
      if (this.#outbox.length > 0) state.outbox = [...this.#outbox];
      if (this.#push.length > 0) state.pushDeliveries = [...this.#push];
      if (this.#dead.length > 0) state.deadLetters = [...this.#dead];
      await this.#inner.save(state);
    });
    this.#queued = p;
    this.#chain = p.catch(() => undefined);
    return p;
  }
}
