// The shape of a benchmark's result file (`bench/results/<name>.json`).
import type { RatioStats } from "./stats.ts";

/** A target: `on` the paired ratio (ours / peer) or on our own absolute figure. */
export interface Target {
  on: "ratio" | "ours";
  op: ">=" | "<=";
  value: number;
}

/** One row of the summary: a figure, what it is compared with, and its target. */
export interface Figure {
  /** What is measured, e.g. "message/send req/s, echo handler". */
  figure: string;
  /** Our side, exactly (e.g. "RemoteAgent push delivery"). */
  ours: string;
  /** What the other side really is, or "none" when the figure has no peer. */
  peer: string;
  /** Unit of the absolute values (`oursValue`, `peerValue`). */
  unit: string;
  /** Our absolute figure (median over rounds, or the single measurement). */
  oursValue: number;
  /** The peer's absolute figure (median over rounds); absent when `peer` is "none". */
  peerValue?: number;
  /** Paired per-round ratios ours / peer; present whenever there is a peer. */
  ratio?: RatioStats;
  /** Absent: informational, no verdict. */
  target?: Target;
}

/** What a benchmark hands to {@link writeResult}. */
export interface BenchInput {
  /** The benchmark's name: its file is `bench/src/<name>.ts`, its result `results/<name>.json`. */
  name: string;
  /** One sentence: what is run and against what. */
  description: string;
  /** Number of rounds (1 when the benchmark is not paired). */
  rounds: number;
  figures: Figure[];
  /** Anything a reader must know to read the figures (set-up, caveats). */
  notes?: string[];
}

/** A result file's content. */
export interface BenchResult extends BenchInput {
  /** ISO date the benchmark finished. */
  date: string;
  node: string;
  cpus: number;
  /** 1-minute load average when the benchmark process started and when it finished. */
  loadAvg: { start: number; end: number };
  durationMs: number;
  /** PASS when every figure with a target passes, FAIL when one fails, `info` without targets. */
  verdict: "PASS" | "FAIL" | "info";
}
