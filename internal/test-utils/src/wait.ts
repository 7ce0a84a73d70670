// Waiting on a condition in tests that cannot be told when it holds (another process, a server).

/**
 * Polls `predicate` until it returns a truthy value or `timeoutMs` passes (default 30 s: a bound
 * against a hang on a busy machine, not a speed claim; a test that claims a time asserts it).
 * `Date.now` measures it: a test that runs the wall clock faster scales the bound with it.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
