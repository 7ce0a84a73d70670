// The heartbeats a rate bucket expects in the rest of its window. A heartbeat sent with the time of
// the next one (`PlatformClient#heartbeat`'s `nextInMs`) is expected again then, and every as long
// after, until one is a whole interval overdue (its agent stopped or gave up): so the requests of
// the classes after heartbeats (an agent's start, state checks, everything else) leave room for
// the heartbeats still to come in the window, even in a fleet's first window, before any history.

/** The next heartbeat of one workspace. */
interface Expected {
  /** When it is due (monotonic ms). */
  at: number;
  everyMs: number;
}

/** The heartbeats a bucket expects, by workspace. */
export class HeartbeatRoom {
  readonly #next = new Map<string, Expected>();
  /** The last count, for the window end it was counted to, until `#validUntil` or a change. */
  #count = 0;
  #countedTo = -1;
  #validUntil = 0;

  /** A heartbeat of `key` went at `now`; the next comes `everyMs` later. */
  sent(key: string, now: number, everyMs: number): void {
    if (!(everyMs > 0)) return;
    this.#next.set(key, { at: now + everyMs, everyMs });
    this.#countedTo = -1;
  }

  /**
   * Heartbeats a window of `windowMs` holds at the intervals expected (of the workspaces not a
   * whole interval overdue at `now`).
   */
  perWindow(windowMs: number, now: number): number {
    let count = 0;
    for (const e of this.#next.values()) if (now < e.at + e.everyMs) count += windowMs / e.everyMs;
    return count;
  }

  /**
   * Heartbeats due before `end` (monotonic ms), an overdue one counted once (it is about to be
   * sent). Expectations a whole interval overdue at `now` are dropped.
   */
  due(now: number, end: number): number {
    if (end === this.#countedTo && now < this.#validUntil) return this.#count;
    let count = 0;
    let validUntil = Number.POSITIVE_INFINITY;
    for (const [key, e] of this.#next) {
      const expires = e.at + e.everyMs;
      if (now >= expires) {
        this.#next.delete(key);
        continue;
      }
      validUntil = Math.min(validUntil, expires);
      if (e.at < end) count += 1 + Math.floor((end - 1 - e.at) / e.everyMs);
    }
    this.#count = count;
    this.#countedTo = end;
    this.#validUntil = validUntil;
    return count;
  }
}
