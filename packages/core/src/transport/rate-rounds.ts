// Fair shares of one rate bucket (issue 100): within a class, the turns of a contended budget go
// round the owners that wait (a request's owner is its bearer: one agent), so one agent's burst
// does not hold another's first request back past one turn. Each owner's requests of a class take
// successive rounds; one that asks late joins the round being served; and an owner that had a turn
// in this turn of the event loop waits for the next while the budget is contended (see
// `RateBucket`), so the others asking in it (a burst from each, all at once) get theirs in the same
// rounds. `RateBucket` orders its waiters by class, then round, then arrival.

/** Owners remembered with their last round before the stale ones are dropped. */
const MAX_OWNERS = 1_000;

/** The rounds of one bucket's classes. */
export class RateRounds {
  /** The round of the last request given its turn, by rank. */
  readonly #served: number[] = [];
  /** The round of each owner's last request that waited, by rank and owner. */
  readonly #queued = new Map<string, number>();
  /** Owners given a turn of a paced class in this turn of the event loop. */
  readonly #tick = new Set<string>();

  /**
   * The round of `owner`'s next request of `rank`: after its own that waited, and not before the
   * round now being served. `queued`: the request waits in it (the next one takes the one after).
   * No owner (`""`: a request that means to wait behind the others of its class, as a read that
   * gathers what they bring does): after every round.
   */
  next(owner: string, rank: number, queued: boolean): number {
    if (owner === "") return Number.POSITIVE_INFINITY;
    const key = `${rank}\n${owner}`;
    const round = Math.max((this.#served[rank] ?? 0) + 1, (this.#queued.get(key) ?? 0) + 1);
    if (queued) {
      if (this.#queued.size >= MAX_OWNERS) this.#prune();
      this.#queued.set(key, round);
    }
    return round;
  }

  /** A request of `rank` in `round` was given its turn. */
  served(rank: number, round: number): void {
    if (round === Number.POSITIVE_INFINITY) return;
    this.#served[rank] = Math.max(this.#served[rank] ?? 0, round);
  }

  /** `owner` was given a turn of a paced class now: remembered for this turn of the event loop. */
  took(owner: string): void {
    if (owner === "") return;
    if (this.#tick.size === 0) setTimeout(() => this.#tick.clear(), 0);
    this.#tick.add(owner);
  }

  /** Whether `owner` was given a turn of a paced class in this turn of the event loop. */
  tookThisTurn(owner: string): boolean {
    return owner !== "" && this.#tick.has(owner);
  }

  /** Drops the owners whose last round was served (they start from the round served). */
  #prune(): void {
    for (const [key, round] of this.#queued) {
      const rank = Number(key.slice(0, key.indexOf("\n")));
      if (round <= (this.#served[rank] ?? 0)) this.#queued.delete(key);
    }
  }
}
