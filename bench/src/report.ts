// Console helpers kept for benchmarks that print their own tables (fleet); new benchmarks use
// ./harness (writeResult prints the summary).
export { percentile } from "./harness/stats.ts";

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
