// The one summary table (console text or Markdown) rendered from result files.
import type { BenchResult, Figure, Target } from "./types.ts";
import { figureVerdict } from "./verdict.ts";

/** Formats a figure: thousands separators from 100 up, 3 significant digits below. */
export function formatNumber(n: number | undefined): string {
  if (n === undefined) return "-";
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString("en-US");
  if (abs === 0) return "0";
  return Number(n.toPrecision(3)).toString();
}

/** `0.92x (0.85-0.97)`: the paired ratios' median and range. */
function formatRatio(f: Figure): string {
  if (f.ratio === undefined) return "-";
  const { median, min, max } = f.ratio;
  return `${formatNumber(median)}x (${formatNumber(min)}-${formatNumber(max)})`;
}

/** `ours/peer >= 2` or `ours <= 50 ms`; `-` for an informational figure. */
function formatTarget(t: Target | undefined, unit: string): string {
  if (t === undefined) return "- (info)";
  return t.on === "ratio"
    ? `ours/peer ${t.op} ${formatNumber(t.value)}`
    : `${t.op} ${formatNumber(t.value)} ${unit}`;
}

/** Column headers of the summary table. */
const SUMMARY_HEADERS = [
  "benchmark",
  "figure",
  "ours",
  "peer (what the other side really is)",
  "ours value",
  "peer value",
  "ratio ours/peer: median (min-max)",
  "target",
  "verdict",
] as const;

/** One row of cells per figure, benchmarks in the given order. */
export function summaryRows(results: readonly BenchResult[]): string[][] {
  return results.flatMap((r) =>
    r.figures.map((f) => [
      r.name,
      f.figure,
      f.ours,
      f.peer,
      `${formatNumber(f.oursValue)} ${f.unit}`,
      f.peerValue === undefined ? "-" : `${formatNumber(f.peerValue)} ${f.unit}`,
      formatRatio(f),
      formatTarget(f.target, f.unit),
      figureVerdict(f),
    ]),
  );
}

/** The summary as aligned plain-text lines for a terminal. */
export function summaryLines(results: readonly BenchResult[]): string[] {
  const rows = [[...SUMMARY_HEADERS], ...summaryRows(results)];
  const widths = SUMMARY_HEADERS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ");
  return [
    line(rows[0] as string[]),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.slice(1).map(line),
  ];
}

const escapeCell = (s: string): string => s.replaceAll("|", "\\|");

/** A Markdown table with columns padded as the repository's formatter (oxfmt) pads them. */
export function markdownTable(headers: readonly string[], rows: readonly string[][]): string {
  const cells = [headers.map(escapeCell), ...rows.map((r) => r.map(escapeCell))];
  const widths = headers.map((_, c) => Math.max(3, ...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  return [
    line(cells[0] as string[]),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

/** The summary as a Markdown table. */
export function summaryMarkdown(results: readonly BenchResult[]): string {
  return markdownTable(SUMMARY_HEADERS, summaryRows(results));
}
