/**
 * Callers waiting for "nothing left to do" (the dispatcher drained, the reply outbox empty).
 * The owner calls {@link IdleWaiters.notify} whenever it becomes idle.
 */
export class IdleWaiters {
  readonly #waiters = new Set<() => void>();

  /** Resolves true at the next {@link IdleWaiters.notify}, false after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let waiter: (() => void) | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => {
        waiter = () => resolve(true);
        this.#waiters.add(waiter);
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
    if (waiter) this.#waiters.delete(waiter);
    return done;
  }

  /** Wakes every current waiter. */
  notify(): void {
    for (const w of Array.from(this.#waiters)) w();
  }
}
