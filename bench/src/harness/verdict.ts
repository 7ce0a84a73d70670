// PASS/FAIL of a figure and of a whole benchmark, from its targets.
import type { Figure } from "./types.ts";

/** A figure's verdict: `info` when it has no target. */
export function figureVerdict(f: Figure): "PASS" | "FAIL" | "info" {
  if (f.target === undefined) return "info";
  const v = f.target.on === "ratio" ? f.ratio?.median : f.oursValue;
  if (v === undefined || !Number.isFinite(v)) return "FAIL";
  return (f.target.op === ">=" ? v >= f.target.value : v <= f.target.value) ? "PASS" : "FAIL";
}

/** A benchmark's verdict: PASS when every targeted figure passes, `info` when none has a target. */
export function benchVerdict(figures: readonly Figure[]): "PASS" | "FAIL" | "info" {
  const verdicts = figures.map(figureVerdict).filter((v) => v !== "info");
  if (verdicts.length === 0) return "info";
  return verdicts.every((v) => v === "PASS") ? "PASS" : "FAIL";
}
