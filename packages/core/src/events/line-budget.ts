// How many per-message log lines an agent writes: a sender decides how many messages come, so a
// flood must not become a flood of log lines (a full disk, and the agent's CPU spent on its log).

/** Per-message lines each second, before the rest are counted instead. */
export const LINES_PER_SECOND = 20;

/**
 * At most `perSecond` lines in each second (from the first line of the second); the lines over
 * that are not written but counted, and `said(count)` reports them once the second ends (on a
 * timer, so the count is said even when no message follows) or at `close()`.
 */
export class LineBudget {
  readonly #perSecond: number;
  readonly #said: (skipped: number) => void;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;
  #skipped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(perSecond: number, said: (skipped: number) => void) {
    this.#perSecond = perSecond;
    this.#said = said;
  }

  /** Whether a line may be written now; when not, it is counted. */
  take(now = performance.now()): boolean {
    if (now - this.#windowStart >= 1_000) {
      this.#flush();
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used < this.#perSecond) {
      this.#used++;
      return true;
    }
    if (this.#skipped++ === 0) {
      const timer = setTimeout(() => this.#flush(), this.#windowStart + 1_000 - now);
      (timer as { unref?: () => void }).unref?.();
      this.#timer = timer;
    }
    return false;
  }

  /** Says the count of lines not written yet, and stops the timer. */
  close(): void {
    this.#flush();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const skipped = this.#skipped;
    if (skipped === 0) return;
    this.#skipped = 0;
    this.#said(skipped);
  }
}
