// The wake-up latch of poll delivery: a wait that ends early when an event says rows arrived.

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
