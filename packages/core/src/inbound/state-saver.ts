// Coalesced, serialised saves of the poll state, with a promise per change.
import type { CursorState, CursorStore } from "./cursor-state.js";
import type { Logger } from "../transport/index.js";

/**
 * Writes snapshots to a {@link CursorStore} one at a time. In the agent the store is its
 * `AgentStateStore`, which retries a failing write until it works (so `save()` waits while the
 * store cannot write, and poll starts no handler); an error reaches here only when the agent
 * stops with the store still failing, and is logged. `save()` resolves once a write whose
 * snapshot was taken after the call has finished, so a caller can wait until its change is durable;
 * changes made while a write runs are coalesced into the next one.
 */
export class StateSaver {
  readonly #store: CursorStore;
  readonly #snapshot: () => CursorState;
  readonly #logger: Logger;
  /** The last write (none before the first). */
  #chain: Promise<void> | undefined;
  /** The write not yet started (its snapshot is still to be taken). */
  #next: Promise<void> | undefined;

  constructor(store: CursorStore, snapshot: () => CursorState, logger: Logger) {
    this.#store = store;
    this.#snapshot = snapshot;
    this.#logger = logger;
  }

  /** Schedules a write that includes every change made so far; resolves when it is on disk. */
  save(): Promise<void> {
    if (this.#next) return this.#next;
    const p = (this.#chain ?? Promise.resolve()).then(async () => {
      this.#next = undefined;
      try {
        await this.#store.save(this.#snapshot());
      } catch (err) {
        this.#logger.error?.("could not persist the inbound cursor", {
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
      }
    });
    this.#next = p;
    this.#chain = p;
    return p;
  }

  /** Waits until every scheduled write has finished. */
  async flush(): Promise<void> {
    for (;;) {
      const p = this.#chain;
      await p;
      if (p === this.#chain && !this.#next) return;
    }
  }
}
