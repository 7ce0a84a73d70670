// `./dev bench [name...]`: runs the named benchmarks (default: all of bench/src/benchmarks.ts),
// each in its own Node process, prints one summary table from their result files and regenerates
// the results section of bench/README.md. `./dev bench --readme` only regenerates the README.
// `./dev bench <name...> --base <ref> [--new <ref>] [--rounds N]`: the A/B mode (harness/ab.ts).
// `./dev bench --smoke [name...]`: every benchmark's smoke run (one short round, no verdicts, into
// a temporary folder): fails when one stops working (bench/test/smoke.test.ts runs it in CI).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BENCHMARKS, inRunOrder, missingResults, type BenchmarkEntry } from "./benchmarks.ts";
import {
  AB_ROUNDS,
  AB_UNSUPPORTED,
  abHeader,
  abLines,
  abRows,
  checkResolution,
  currentCheckout,
  prepareCheckout,
  sideEnv,
  writeABResult,
  type ABResult,
  type Checkout,
} from "./harness/ab.ts";
import { lastChanged } from "./harness/changed.ts";
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
  const changed = await lastChanged(results.map((r) => r.name));
  await writeFile(README, updateReadme(readme, results, missingResults(results), changed));
}

/** A smoke run's longest time (one short round; most take 2-10 s). */
const SMOKE_TIMEOUT_MS = 60_000;

/** Runs one benchmark to completion (or kills it at its timeout); resolves its exit status. */
function runOne(
  b: BenchmarkEntry,
  env: NodeJS.ProcessEnv = process.env,
  args: readonly string[] = [],
  timeout = b.timeoutMs,
): Promise<string> {
  // BENCH_TIMEOUT_MS overrides the budget, e.g. for `FLEET_SIZES=1000,10000`.
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_MS) || timeout;
  return new Promise((resolve) => {
    const script = join(SRC, `${b.name}.ts`);
    const child = spawn(process.execPath, [...(b.nodeArgs ?? []), script, ...args], {
      cwd: join(SRC, ".."),
      env,
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

/**
 * The A/B mode: for each named benchmark, `rounds` rounds, each running the benchmark once on
 * each build (new first in even rounds, base first in odd ones); prints and writes
 * `results/ab/<name>.json` with every figure's paired ratios new / base.
 */
async function runAB(
  selected: readonly BenchmarkEntry[],
  baseRef: string,
  newRef: string | undefined,
  rounds: number,
): Promise<void> {
  const repo = join(SRC, "..", "..");
  const refused = selected.filter((b) => AB_UNSUPPORTED[b.name] !== undefined);
  if (refused.length > 0 || selected.length === BENCHMARKS.length) {
    for (const b of refused) console.error(`no A/B for ${b.name}: ${AB_UNSUPPORTED[b.name]}`);
    if (selected.length === BENCHMARKS.length) console.error("name the benchmark(s) to A/B");
    process.exit(2);
  }
  const sides: Record<"new" | "base", Checkout> = {
    base: await prepareCheckout(repo, baseRef),
    new: newRef === undefined ? await currentCheckout(repo) : await prepareCheckout(repo, newRef),
  };
  for (const side of ["new", "base"] as const) {
    const p = sides[side].prepare;
    console.log(
      p.reused
        ? `[ab] ${side}: ${sides[side].root} (${side === "new" && newRef === undefined ? "this checkout" : "prepared before, reused"})`
        : `[ab] ${side}: prepared ${sides[side].root}: worktree ${p.worktreeS.toFixed(1)} s, pnpm install ${p.installS.toFixed(1)} s, build ${p.buildS.toFixed(1)} s`,
    );
    console.log(`[ab] ${side}: @molecule-ai/agent-core is ${await checkResolution(sides[side])}`);
  }
  const tmp = await mkdtemp(join(tmpdir(), "bench-ab-"));
  try {
    for (const b of selected) {
      const started = performance.now();
      const runs: Record<"new" | "base", BenchResult[]> = { new: [], base: [] };
      const loadAvg: ABResult["loadAvg"] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (["new", "base"] as const) : (["base", "new"] as const);
        for (const side of order) {
          console.log(`\n=== ${b.name}: round ${round + 1}/${rounds}, ${side} ===`);
          const dir = join(tmp, `${b.name}-${side}-${round}`);
          const status = await runOne(b, sideEnv(sides[side], dir));
          const result = await readResult(b.name, dir);
          if (result === undefined) {
            throw new Error(`${b.name} on the ${side} build wrote no result (${status})`);
          }
          runs[side].push(result);
          loadAvg.push({ side, round, ...result.loadAvg });
        }
      }
      const { rows, missing } = abRows(runs.new, runs.base);
      const ab: ABResult = {
        name: b.name,
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        rounds,
        new: sides.new,
        base: sides.base,
        loadAvg,
        durationS: (performance.now() - started) / 1000,
        rows,
        missing,
      };
      const file = await writeABResult(join(RESULTS_DIR, "ab"), ab);
      console.log(`\n${abHeader(ab)}\n${abLines(rows).join("\n")}`);
      if (missing.length > 0) console.log(`not in every run (left out): ${missing.join("; ")}`);
      console.log(`written to ${file}`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Every selected benchmark's smoke run (its `smoke` settings, `BENCH_SMOKE=1`: no verdicts, a
 * number for every figure), results in a temporary folder; exit 1 when one fails.
 */
async function runSmoke(selected: readonly BenchmarkEntry[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "bench-smoke-"));
  const failed: string[] = [];
  try {
    for (const b of selected) {
      const t0 = performance.now();
      const env = { ...process.env, ...b.smoke.env, BENCH_SMOKE: "1", BENCH_RESULTS_DIR: dir };
      const status = await runOne(b, env, b.smoke.args, SMOKE_TIMEOUT_MS);
      const wrote = (await readResult(b.name, dir)) !== undefined;
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      const ok = status === "exit 0" && wrote;
      console.log(`=== smoke ${b.name}: ${ok ? "ran" : "FAIL"} (${status}, ${s} s)`);
      if (!ok) failed.push(`${b.name} (${status}${wrote ? "" : ", no result file"})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    failed.length === 0 ? "smoke: every benchmark ran" : `smoke FAIL: ${failed.join(", ")}`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

async function main(): Promise<void> {
  const { values, positionals: args } = parseArgs({
    allowPositionals: true,
    options: {
      readme: { type: "boolean" },
      smoke: { type: "boolean" },
      base: { type: "string" },
      new: { type: "string" },
      rounds: { type: "string" },
    },
  });
  if (values.readme) {
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
  if (values.smoke) return await runSmoke(selected);
  if (values.base !== undefined) {
    const rounds = values.rounds === undefined ? AB_ROUNDS : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new Error(`--rounds ${values.rounds}: a positive integer`);
    await runAB(selected, values.base, values.new, rounds);
    return;
  }
  if (values.new !== undefined || values.rounds !== undefined) {
    console.error("--new and --rounds belong to the A/B mode: add --base <ref>");
    process.exit(2);
  }
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
