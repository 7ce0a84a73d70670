// Small timing helpers shared by delivery and the agent runtime: abortable sleeps and backoff.

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. The timer never outlives it. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter in [base/2, base] * 2^(attempt-1), capped at `maxMs`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/**
 * A wake-up latch: `wait(ms)` resolves after `ms`, or as soon as `wake()` is called (also when
 * `wake()` was called since the last wait, so no wake-up is lost).
 */
export class Waker {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Wakes the current (or next) waiter. */
  wake(): void {
    if (this.#resolve) {
      const r = this.#resolve;
      this.#resolve = undefined;
      r();
    } else {
      this.#pending = true;
    }
  }

  /** Waits for `ms` or a wake-up or `signal`; returns true when woken. */
  async wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return true;
    }
    if (signal?.aborted) return false;
    let woken = false;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
      this.#resolve = () => {
        woken = true;
        done();
      };
    });
    return woken;
  }
}
