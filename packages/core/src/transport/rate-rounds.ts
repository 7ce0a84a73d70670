// The rounds of a rate bucket's waiting requests (rate-budget.ts): within a class, turns go round
// their owners (the transports, an agent each, of the process that share the bucket), one each a
// round, so one agent's burst waits behind the next requests of the others. An owner's round is
// its turns of that class given from the queue in the platform's current window (one taken while
// nobody of its class waited competed with no one) and its requests of that class still waiting.

/** The owner of the requests that name none: they take their turns in order. */
export const NO_OWNER = {};

/** An owner's turns given from the queue in one window, and its requests waiting, by rank. */
interface OwnerTurns {
  /** The window `taken` counts. */
  window: number;
  taken: number[];
  queued: number[];
}

/** Each owner's turns and waiting requests, by rank (kept while the owner lives). */
export class OwnerRounds {
  readonly #owners = new WeakMap<object, OwnerTurns>();

  /** The round `owner`'s next request of `rank` waits in, in `window`. */
  lapOf(owner: object, rank: number, window: number): number {
    const o = this.#of(owner, window);
    return (o.taken[rank] ?? 0) + (o.queued[rank] ?? 0);
  }

  /** A request of `owner` of `rank` joined the queue (`by` 1) or left it (`by` -1). */
  queued(owner: object, rank: number, window: number, by: 1 | -1): void {
    const queued = this.#of(owner, window).queued;
    queued[rank] = Math.max(0, (queued[rank] ?? 0) + by);
  }

  /** A waiting request of `owner` of `rank` was given its turn in `window`. */
  granted(owner: object, rank: number, window: number): void {
    const taken = this.#of(owner, window).taken;
    taken[rank] = (taken[rank] ?? 0) + 1;
  }

  #of(owner: object, window: number): OwnerTurns {
    let o = this.#owners.get(owner);
    if (o === undefined) this.#owners.set(owner, (o = { window, taken: [], queued: [] }));
    if (o.window !== window) {
      o.window = window;
      o.taken = [];
    }
    return o;
  }
}
