// Evidence that writes to the activity log raced (a row committed behind a newer one already
// read), which sets how often the poll re-reads its settle window (poll-cursor.ts): a fifth of the
// window's length after a pass that saw writes racing, else once per its length.

/**
 * Re-reads of the settle window per its length, at most, after a pass saw writes racing (a row read
 * late, an announced row behind the newest, more than one new row if no event names its row); the
 * passes between read on from the newest row. Without one, the window is re-read once per its length.
 */
const SETTLE_PASSES = 5;

/** Announced rows not yet read that are remembered at most (past it they are forgotten). */
const ANNOUNCED_ROWS = 1_000;

/** What the passes since the last re-read of the settle window showed of racing writes. */
export class RaceEvidence {
  /**
   * A pass since the last re-read saw writes racing: a late row, a row the event stream announced
   * that a pass reading on from the newest row did not return (it committed behind that row), or
   * more than one new row while no event has named its row.
   */
  #burst = false;
  /** A row was read late, or an announced one is behind the newest: the next re-read comes soon. */
  #behind = false;
  /** The current pass reads on from the newest row read (not a re-read of the window). */
  #readingOn = false;
  /** Rows the event stream announced (`ACTIVITY_LOGGED`) and no pass has read yet. */
  readonly #announced = new Set<string>();
  /** The event stream names the rows it announces (then a pass of many rows is no burst). */
  #announcing = false;
  /** Those announced before the current pass started: it returns them unless they are behind it. */
  #awaited: string[] = [];
  /** The settle window's count of late rows at the last pass. */
  #lateSeen = 0;

  /** The time between re-reads of a window of `settleMs`. */
  rereadEveryMs(settleMs: number): number {
    return this.#burst ? settleMs / SETTLE_PASSES : settleMs;
  }

  /** When the next re-read is due after one at `lastMs`, while {@link behind}. */
  rereadDueMs(lastMs: number, settleMs: number): number {
    return lastMs + settleMs / SETTLE_PASSES;
  }

  /** A row was read late, or an announced one is behind the newest read. */
  get behind(): boolean {
    return this.#behind;
  }

  /** A pass reading on from the newest row starts: it returns the rows announced so far. */
  readOn(): void {
    this.#readingOn = true;
    this.#awaited = [...this.#announced];
  }

  /** A re-read of the window starts: it reads every row announced so far. */
  reread(): void {
    this.#readingOn = false;
    this.#burst = false;
    this.#behind = false;
    this.#announced.clear();
    this.#awaited = [];
  }

  /** The event stream announced row `id` (`known`: a window holds it already). */
  announce(id: string, known: boolean): void {
    this.#announcing = true;
    if (known) return;
    if (this.#announced.size >= ANNOUNCED_ROWS) this.#announced.clear();
    this.#announced.add(id);
  }

  /** A pass returned row `id`. */
  read(id: string): void {
    this.#announced.delete(id);
  }

  /**
   * A pass ended: `fresh` rows new to the windows, `missed` found behind the settle window's
   * anchor, `lateRows` the settle window's count of rows read late. True when it read a new late row.
   */
  passEnded(fresh: number, missed: number, lateRows: number): boolean {
    const behind = this.#readingOn && this.#awaited.some((id) => this.#announced.has(id));
    this.#readingOn = false;
    if (behind || missed > 0) this.#behind = true;
    // With events that name their rows, a row passed is announced: more rows alone tell nothing.
    const racing = fresh > 1 && !this.#announcing;
    if (racing || behind || missed > 0) this.#burst = true;
    if (lateRows <= this.#lateSeen) return false;
    this.#burst = true;
    this.#behind = true;
    this.#lateSeen = lateRows;
    return true;
  }
}
