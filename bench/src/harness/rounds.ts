// Runs the compared sides of a benchmark in rounds, rotating their order every round.

/**
 * The order of `sides` in round `round` (0-based): rotated left by `round`, so over as many rounds
 * as there are sides each side runs once in every position (first, second, ...).
 */
export function rotation<T>(sides: readonly T[], round: number): T[] {
  const n = sides.length;
  if (n === 0) return [];
  const k = ((round % n) + n) % n;
  return [...sides.slice(k), ...sides.slice(0, k)];
}

/**
 * Measures every side once per round, in the rotated order of {@link rotation}, and returns each
 * side's per-round measurements (index = round), ready for `pairedRatios`.
 */
export async function runRounds<S extends string, R>(
  sides: readonly S[],
  rounds: number,
  measure: (side: S, round: number) => Promise<R>,
): Promise<Record<S, R[]>> {
  const out = Object.fromEntries(sides.map((s) => [s, [] as R[]])) as Record<S, R[]>;
  for (let round = 0; round < rounds; round++) {
    for (const side of rotation(sides, round)) out[side][round] = await measure(side, round);
  }
  return out;
}

/**
 * Runs `n` measurements concurrently, each started at a uniformly random time within one
 * `periodMs`: a poller's latency depends on when in its period a message arrives.
 */
export function atRandomPhases<R>(
  n: number,
  periodMs: number,
  measure: (i: number) => Promise<R>,
): Promise<R[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await new Promise((res) => setTimeout(res, Math.random() * periodMs));
      return await measure(i);
    }),
  );
}
