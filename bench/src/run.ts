// `./dev bench [name...]`: runs the named benchmarks (default: all of bench/src/benchmarks.ts),
// each in its own Node process, prints one summary table from their result files and regenerates
// the results section of bench/README.md. `./dev bench --readme` only regenerates the README.
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCHMARKS, inRunOrder, missingResults, type BenchmarkEntry } from "./benchmarks.ts";
import { updateReadme } from "./harness/readme.ts";
import { readAllResults, readResult, RESULTS_DIR } from "./harness/result.ts";
import { summaryLines } from "./harness/summary.ts";
import type { BenchResult } from "./harness/types.ts";

const SRC = dirname(fileURLToPath(import.meta.url));
const README = join(SRC, "..", "README.md");
/** `./dev bench` (all benchmarks) must finish within this on the 2-core development machine. */
const BUDGET_S = 600;

async function regenerateReadme(): Promise<void> {
  const readme = await readFile(README, "utf8");
  const results = inRunOrder(await readAllResults());
  await writeFile(README, updateReadme(readme, results, missingResults(results)));
}

/** Runs one benchmark to completion (or kills it at its timeout); resolves its exit status. */
function runOne(b: BenchmarkEntry): Promise<string> {
  // BENCH_TIMEOUT_MS overrides the budget, e.g. for `FLEET_SIZES=1000,10000`.
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS) || b.timeoutMs;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(b.nodeArgs ?? []), join(SRC, `${b.name}.ts`)], {
      cwd: join(SRC, ".."),
      stdio: "inherit",
      detached: true, // its own process group: a timeout also kills its servers and emulator
    });
    const killGroup = (): void => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
    };
    const onInterrupt = (): void => {
      killGroup();
      process.exit(130);
    };
    process.once("SIGINT", onInterrupt);
    const timer = setTimeout(killGroup, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      process.off("SIGINT", onInterrupt);
      killGroup(); // servers or an emulator a crashed benchmark left behind
      resolve(signal === "SIGKILL" ? `killed after ${timeoutMs / 1000} s` : `exit ${code}`);
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--readme")) {
    await regenerateReadme();
    console.log(`regenerated ${README}`);
    return;
  }
  const unknown = args.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`,
    );
    process.exit(2);
  }
  const selected = args.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => args.includes(b.name));
  const started = performance.now();
  const results: BenchResult[] = [];
  const missing: string[] = [];
  for (const b of selected) {
    console.log(`\n=== ${b.name} ===`);
    // A stale file must not stand in for a benchmark that crashed this time.
    await rm(join(RESULTS_DIR, `${b.name}.json`), { force: true });
    const t0 = performance.now();
    const status = await runOne(b);
    const result = await readResult(b.name);
    console.log(`=== ${b.name}: ${status}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (result === undefined) missing.push(`${b.name} (${status}, no result file)`);
    else results.push(result);
  }
  await regenerateReadme();
  const total = (performance.now() - started) / 1000;
  console.log(`\nSummary (${selected.length} benchmark(s), ${total.toFixed(0)} s):`);
  if (selected === BENCHMARKS && total > BUDGET_S) {
    console.log(`over budget: all benchmarks must run in under ${BUDGET_S} s`);
  }
  console.log(summaryLines(results).join("\n"));
  for (const m of missing) console.log(`FAIL ${m}`);
  const failed = results.filter((r) => r.verdict === "FAIL").map((r) => r.name);
  console.log(
    failed.length + missing.length === 0
      ? "all PASS"
      : `FAIL: ${[...failed, ...missing].join(", ")}`,
  );
  process.exitCode = failed.length + missing.length === 0 ? 0 : 1;
}

await main();
