// Whether a state folder's holder may act now (store/state-lock.ts), decided by its monotonic clock
// alone: its lease is current while its last confirmed refresh, counted from before that refresh's
// write, is younger than the bound less a margin. Another agent takes the folder no sooner than
// the bound after that instant (it judges the lease lapsed by the same clock on this machine, or
// after watching the file unchanged for the bound from another host), so a holder that acts only
// while its lease is current acts before any successor can. The margin covers the way from the
// check to the act (an answer's request, a write reaching the disk) on a loaded machine.

/** The part of the bound a holder does not count on: a third (10 s of the default 30 s). */
const MARGIN = 1 / 3;

/** A holder's count of its lease: the instant its last confirmed refresh began. */
export class LeaseClock {
  #confirmedAt: number;

  /**
   * @param boundMs the lease's bound
   * @param now the machine's monotonic clock (ms)
   * @param confirmedAt when the lease put up at the take was read from the clock (before its write)
   */
  constructor(
    readonly boundMs: number,
    readonly now: () => number,
    confirmedAt: number,
  ) {
    this.#confirmedAt = confirmedAt;
  }

  /** How long after a confirmed refresh began the holder counts on its lease (ms). */
  get trustMs(): number {
    return this.boundMs - this.marginMs;
  }

  /** The margin (ms). */
  get marginMs(): number {
    return this.boundMs * MARGIN;
  }

  /** Ms since the last confirmed refresh began. */
  age(): number {
    return this.now() - this.#confirmedAt;
  }

  /** Whether the lease is current now: the holder may start work and let writes leave. */
  current(): boolean {
    return this.age() < this.trustMs;
  }

  /**
   * Whether a refresh whose record was written through (synced) at `synced` may have come after
   * the lease lapsed: another agent may then be taking the folder (its claim says so), and the
   * refresh proves nothing until that is ruled out.
   */
  lateAt(synced: number): boolean {
    return synced - this.#confirmedAt >= this.trustMs;
  }

  /** The refresh begun at `started` is confirmed: the lease counts from then. */
  confirm(started: number): void {
    this.#confirmedAt = Math.max(this.#confirmedAt, started);
  }
}
