// The replies a rate bucket's awaited questions are owed (issue 100). An awaited peer call's
// question spends one turn of the org's budget and its reply another, in the same bucket when the
// peer is of the same org; so a question that goes while the windows before its deadline cannot
// carry its reply beside the replies already owed takes a turn an earlier call's reply needed, and
// both may come late. `RateBucket` keeps one of these: a question given its turn is owed a reply
// until its call settles (`callSettled`) or its deadline passes.

/** The calls that settle their bucket's owed reply, by their signal. */
const settles = new WeakMap<AbortSignal, () => void>();

/**
 * The awaited call whose question was sent with `signal` has settled (answered, failed, timed out
 * or aborted): its bucket no longer keeps a turn for its reply. Nothing when none was kept.
 */
export function callSettled(signal: AbortSignal): void {
  settles.get(signal)?.();
}

/** The replies owed to one bucket's awaited questions, by their signal, with their deadlines. */
export class OwedReplies {
  readonly #due = new Map<AbortSignal, number>();

  /**
   * The question sent with `signal` is owed a reply by `answerBy` (monotonic ms); `onSettle` runs
   * when its call settles first (the turns kept for its reply are free again).
   */
  owe(signal: AbortSignal, answerBy: number, onSettle: () => void): void {
    if (this.#due.has(signal)) return; // sent again after a refusal: owed once
    this.#due.set(signal, answerBy);
    settles.set(signal, () => {
      settles.delete(signal);
      if (this.#due.delete(signal)) onSettle();
    });
  }

  /** Replies still owed at `now` (those whose deadline passed are dropped: none is awaited). */
  count(now: number): number {
    for (const [signal, due] of this.#due) {
      if (due > now) continue;
      this.#due.delete(signal);
      settles.delete(signal);
    }
    return this.#due.size;
  }
}
