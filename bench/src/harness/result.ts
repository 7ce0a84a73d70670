// Writes a benchmark's result file (`bench/results/<name>.json`).
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { summaryLines } from "./summary.ts";
import type { BenchInput, BenchResult } from "./types.ts";
import { benchVerdict } from "./verdict.ts";

/** Where the result files live. */
export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "results");
/** Where this process writes its result: BENCH_RESULTS_DIR (the A/B mode's per-run folders) or RESULTS_DIR. */
const writeDir = process.env.BENCH_RESULTS_DIR || RESULTS_DIR;

const startedAt = performance.now();
const loadAtStart = loadavg()[0] ?? Number.NaN;

/** Completes `input` with the run's context and verdict. */
export function toResult(input: BenchInput, now = new Date()): BenchResult {
  for (const f of input.figures) {
    if (f.peer !== "none" && f.ratio === undefined) {
      throw new Error(`figure "${f.figure}" has a peer but no paired ratios`);
    }
  }
  return {
    ...input,
    date: now.toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAvg: { start: loadAtStart, end: loadavg()[0] ?? Number.NaN },
    durationMs: Math.round(performance.now() - startedAt),
    verdict: benchVerdict(input.figures),
  };
}

/**
 * Writes `bench/results/<name>.json` (or into BENCH_RESULTS_DIR when set), prints the benchmark's figures, and sets a non-zero exit
 * code when the verdict is FAIL. Call it once, at the end of the benchmark.
 */
export async function writeResult(input: BenchInput): Promise<BenchResult> {
  const result = toResult(input);
  await mkdir(writeDir, { recursive: true });
  await writeFile(join(writeDir, `${input.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${summaryLines([result]).join("\n")}`);
  if (process.env.BENCH_SMOKE === "1") {
    // A smoke run (one short round) judges nothing but that every figure has a number.
    const blank = input.figures.filter((f) => !Number.isFinite(f.oursValue));
    if (blank.length > 0) {
      console.error(`smoke: no number for ${blank.map((f) => f.figure).join("; ")}`);
      process.exitCode = 1;
    }
  } else if (result.verdict === "FAIL") process.exitCode = 1;
  return result;
}

/** Reads `<dir>/<name>.json` (default `results/`); undefined when the file does not exist. */
export async function readResult(
  name: string,
  dir = RESULTS_DIR,
): Promise<BenchResult | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, `${name}.json`), "utf8")) as BenchResult;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Every result file in `results/`, by name. */
export async function readAllResults(): Promise<BenchResult[]> {
  const files = (await readdir(RESULTS_DIR).catch(() => [] as string[])).filter((f) =>
    f.endsWith(".json"),
  );
  const results = await Promise.all(files.map((f) => readResult(f.slice(0, -".json".length))));
  return results.filter((r): r is BenchResult => r !== undefined);
}
