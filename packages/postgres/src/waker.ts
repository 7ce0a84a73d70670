// A wake-up latch for the store's loops: `wait(ms)` ends after `ms`, on `wake()` (also one that
// came before the wait: no wake-up is lost), or when the signal aborts.

/** See the file comment. */
export class Waker {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Wakes the current (or next) waiter. */
  wake(): void {
    const r = this.#resolve;
    if (r) r();
    else this.#pending = true;
  }

  /** Waits for `ms`, a wake-up, or `signal`. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#pending || signal.aborted) {
      this.#pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener("abort", done, { once: true });
      this.#resolve = done;
    });
  }
}

/** Exponential backoff with jitter, capped. */
export function backoff(failures: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
