/**
 * Callers waiting for "nothing left to do" (the dispatcher drained, the reply outbox empty).
 * The owner calls {@link IdleWaiters.notify} whenever it becomes idle. Holds nothing until
 * someone waits (an idle agent of a fleet keeps no empty set per waiter list).
 */
export class IdleWaiters {
  #waiters: Set<() => void> | undefined;

  /** Resolves true at the next {@link IdleWaiters.notify}, false after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let waiter: (() => void) | undefined;
    const waiters = (this.#waiters ??= new Set());
    const done = await Promise.race([
      new Promise<boolean>((resolve) => {
        waiter = () => resolve(true);
        waiters.add(waiter);
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
    if (waiter) waiters.delete(waiter);
    return done;
  }

  /** Wakes every current waiter. */
  notify(): void {
    if (this.#waiters) for (const w of Array.from(this.#waiters)) w();
  }
}
