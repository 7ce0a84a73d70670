// One persisted agent state shared by poll delivery (cursor, de-dup window, in-flight journal) and
// the reply outbox: both write through this wrapper, which merges them into one atomic save of the
// user's CursorStore (file, memory, or a database store implementing the same interface).
import type { CursorState, CursorStore } from "../inbound/index.js";
import type { OutboxRecord } from "../inbound/index.js";

/** Merges poll state and outbox records into single, serialised saves of `inner`. */
export class AgentStateStore implements CursorStore {
  readonly #inner: CursorStore;
  #loaded: Promise<CursorState | undefined> | undefined;
  #poll: CursorState = {};
  #outbox: OutboxRecord[] = [];
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  /** @param inner the store that persists the merged state */
  constructor(inner: CursorStore) {
    this.#inner = inner;
  }

  /** The stored state without the outbox (what poll delivery reads). Loads once. */
  async load(): Promise<CursorState | undefined> {
    const state = await this.#load();
    if (!state) return undefined;
    const { outbox: _o, ...rest } = state;
    return rest;
  }

  /** The outbox records stored by a previous run. */
  async loadOutbox(): Promise<OutboxRecord[]> {
    return [...((await this.#load())?.outbox ?? [])];
  }

  /** Saves poll delivery's state (merged with the current outbox). */
  async save(state: CursorState): Promise<void> {
    const { outbox: _o, ...rest } = state;
    this.#poll = rest;
    await this.#write();
  }

  /** Saves the outbox (merged with the last poll state). Resolves once durable. */
  async saveOutbox(records: OutboxRecord[]): Promise<void> {
    this.#outbox = records;
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

  #load(): Promise<CursorState | undefined> {
    this.#loaded ??= this.#inner.load().then((state) => {
      if (state) {
        const { outbox, ...rest } = state;
        this.#poll = rest;
        this.#outbox = outbox ?? [];
      }
      return state;
    });
    return this.#loaded;
  }

  /** Coalesced serial writes: a save requested while one is queued joins it (it writes the latest). */
  #write(): Promise<void> {
    if (this.#queued) return this.#queued;
    const p = this.#chain.then(async () => {
      this.#queued = undefined;
      const state: CursorState = { ...this.#poll };
      if (this.#outbox.length > 0) state.outbox = [...this.#outbox];
      await this.#inner.save(state);
    });
    this.#queued = p;
    this.#chain = p.catch(() => undefined);
    return p;
  }
}
