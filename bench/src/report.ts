// Shared helpers for the benchmarks: percentiles and a plain side-by-side report.

/** The `p`-th percentile (0..100) of `values` (nearest-rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Prints a titled table of rows (label -> columns) to stdout. */
export function printTable(
  title: string,
  rows: Record<string, Record<string, string | number>>,
): void {
  console.log(`\n${title}`);
  console.table(rows);
}

/** Formats a number with `digits` decimals. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}
