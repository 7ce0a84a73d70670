// Slots of pushed messages: a pushed message takes one before the store claims it (the claim counts
// a delivery), so a delivery is counted only for a message that runs now, never for one waiting its
// turn. A message redelivered after a crash (claimed before and never settled) takes every slot:
// it runs alone, so only a message that crashes its process accrues deliveries and a bystander is
// never dead-lettered for a neighbour's crash (#29, failure isolation).

interface Waiter {
  alone: boolean;
  grant(): void;
}

/** At most `limit` pushed messages at once; an `alone` taker waits for all and holds all. */
export class PushSlots {
  readonly #limit: number;
  #taken = 0;
  #alone = false;
  readonly #queue: Waiter[] = [];

  /** @param limit the agent's concurrency */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * Waits for a slot (FIFO; `alone`: for every slot) and resolves with the function that gives it
   * back. When `signal` aborts first it resolves with a no-op: the caller goes on without a slot
   * (its canceled message is settled without running).
   */
  take(alone: boolean, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.resolve(() => {});
    if (this.#queue.length === 0 && this.#fits(alone)) return Promise.resolve(this.#grant(alone));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        alone,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#grant(alone));
        },
      };
      const onAbort = (): void => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        resolve(() => {});
        this.#next();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #fits(alone: boolean): boolean {
    return !this.#alone && (alone ? this.#taken === 0 : this.#taken < this.#limit);
  }

  #grant(alone: boolean): () => void {
    this.#taken++;
    if (alone) this.#alone = true;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#taken--;
      if (alone) this.#alone = false;
      this.#next();
    };
  }

  /** Grants waiting takers in order while the first of them fits. */
  #next(): void {
    while (this.#queue.length > 0 && this.#fits(this.#queue[0]!.alone)) {
      this.#queue.shift()!.grant();
    }
  }
}
