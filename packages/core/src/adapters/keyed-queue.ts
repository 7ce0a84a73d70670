// One job at a time per key, in arrival order; different keys run concurrently.

/**
 * Runs jobs one at a time per key (FIFO): what keeps one conversation's history or checkpoint
 * consistent while other conversations run in parallel. `undefined` keys never wait.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for the key's earlier jobs; returns the function that lets the next one start. */
  async #acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Runs `job` after the key's earlier jobs settled (whatever their outcome). */
  async run<T>(key: string | undefined, job: () => Promise<T>): Promise<T> {
    if (key === undefined) return await job();
    const release = await this.#acquire(key);
    try {
      return await job();
    } finally {
      release();
    }
  }

  /** Like {@link run} for a generator: the key is held until it finishes or its reader stops. */
  async *iterate<T>(key: string | undefined, job: () => AsyncGenerator<T>): AsyncGenerator<T> {
    if (key === undefined) return yield* job();
    const release = await this.#acquire(key);
    try {
      yield* job();
    } finally {
      release();
    }
  }
}
