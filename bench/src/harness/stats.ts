// Pure statistics for the benchmarks: percentiles and paired per-round ratios.

/** The `p`-th percentile (0..100) of `values` (nearest-rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median of `values` (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Paired per-round ratios `ours[i] / theirs[i]`: their median, min, max and every round's value. */
export interface RatioStats {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

/**
 * Pairs round `i` of our side with round `i` of the other side (both measured in the same round,
 * so under the same machine load) and summarises `ours[i] / theirs[i]` over the rounds.
 * Throws when the two series differ in length or are empty.
 */
export function pairedRatios(ours: readonly number[], theirs: readonly number[]): RatioStats {
  if (ours.length !== theirs.length || ours.length === 0) {
    throw new Error(
      `paired ratios need one value per round on each side (got ${ours.length} and ${theirs.length})`,
    );
  }
  const rounds = ours.map((o, i) => o / (theirs[i] as number));
  return { median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds), rounds };
}
