// The one backoff of the SDK (platform retries, poll and event-stream reconnects, handler and reply
// retries) and the abortable sleep it is waited with.

/** Jitter of {@link backoffDelay}: ±25 % of the exponential step. */
const JITTER = 0.25;

/**
 * The wait before retry number `attempt` (1-based; 0 counts as 1): `baseMs` doubled per attempt
 * and capped at `maxMs`, with ±25 % jitter, never above `maxMs` (at the cap only the lower half of
 * the jitter remains, so waits at the cap still spread).
 *
 * @param random - A source of uniform numbers in [0, 1) (tests).
 */
export function backoffDelay(
  attempt: number,
  baseMs = 1_000,
  maxMs = 30_000,
  random: () => number = Math.random,
): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(Math.round(step * (1 + JITTER * (random() * 2 - 1))), maxMs);
}

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
