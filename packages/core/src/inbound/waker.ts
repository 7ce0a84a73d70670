// The wake-up latch of poll delivery: a wait that ends early when an event says rows arrived.
import { ScheduledTask } from "../transport/index.js";

/**
 * A wake-up latch: `wait(ms)` resolves after `ms`, or as soon as `wake()` is called (also when
 * `wake()` was called since the last wait, so no wake-up is lost). The timeout is one task on the
 * process-wide scheduler, allocated once per latch (not a timer per wait), and the abort listener
 * is added once per signal (a poll loop passes the same one to every wait), not once per wait.
 */
export class Waker {
  #pending = false;
  #woken = false;
  #resolve: (() => void) | undefined;
  /** The signal `#onAbort` listens to. */
  #signal: AbortSignal | undefined;
  readonly #timeout = new ScheduledTask(() => this.#done());
  readonly #onAbort = (): void => this.#done();

  /** Wakes the current (or next) waiter. */
  wake(): void {
    if (this.#resolve) {
      this.#woken = true;
      this.#done();
    } else {
      this.#pending = true;
    }
  }

  /** Forgets a wake-up that came since the last wait (what it asked for was done meanwhile). */
  clear(): void {
    this.#pending = false;
  }

  /** Waits for `ms` or a wake-up or `signal`; returns true when woken. */
  async wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return true;
    }
    if (signal?.aborted) return false;
    this.#woken = false;
    if (signal !== this.#signal) {
      this.#signal?.removeEventListener("abort", this.#onAbort);
      this.#signal = signal;
      signal?.addEventListener("abort", this.#onAbort, { once: true });
    }
    await new Promise<void>((resolve) => {
      this.#resolve = resolve;
      this.#timeout.at(ms);
    });
    return this.#woken;
  }

  #done(): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = undefined;
    this.#timeout.cancel();
    resolve();
  }
}
