// The A/B mode: `./dev bench <name...> --base <ref> [--new <ref>] [--rounds N]` runs today's
// benchmark scripts against two builds of the packages, alternating the builds round by round in
// one run, and reports each figure's paired ratios new / base. A build other than the current
// checkout is a git worktree under `.bench-base/<sha>` (git-ignored), installed from the pnpm store
// and built once, then reused; src/harness/sdk-hook.ts makes every `@molecule-ai/*` import of the
// benchmark's processes resolve to it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { median, pairedRatios, type RatioStats } from "./stats.ts";
import { formatNumber } from "./summary.ts";
import type { BenchResult } from "./types.ts";

const exec = promisify(execFile);

/** Benchmarks the A/B mode refuses, and why. */
export const AB_UNSUPPORTED: Readonly<Record<string, string>> = {
  serverless:
    "it builds and serves examples/ from this checkout with their own tools (wrangler, Next.js), which the A/B hook does not reach",
};

/** The `--import` hook that points `@molecule-ai/*` at another checkout. */
export const SDK_HOOK_URL = new URL("sdk-hook.ts", import.meta.url).href;

/** One side of an A/B run: the checkout whose packages it runs. */
export interface Checkout {
  /** What the user named (`HEAD~1`, `main`, or "working tree"). */
  ref: string;
  /** The commit (the working tree: HEAD, with `dirty` set when it has uncommitted changes). */
  sha: string;
  dirty: boolean;
  /** The repository root holding `bench/` and `packages/` of this build. */
  root: string;
  /** Seconds spent preparing it in this run: worktree, install, build (0: reused or current). */
  prepare: { worktreeS: number; installS: number; buildS: number; reused: boolean };
}

/** `74d1838` or `74d1838 + uncommitted changes`. */
function describeCheckout(c: Checkout): string {
  return `${c.ref} (${c.sha.slice(0, 7)}${c.dirty ? " + uncommitted changes" : ""})`;
}

async function git(repo: string, args: string[]): Promise<string> {
  return (await exec("git", ["-C", repo, ...args], { encoding: "utf8" })).stdout.trim();
}

/** Runs a command in `cwd` with its output on this process's stderr; resolves its duration in s. */
async function timed(cmd: string, args: string[], cwd: string): Promise<number> {
  const t0 = performance.now();
  // pnpm installs with this checkout's version whatever the base pins (a base before the pnpm 12
  // pin names pnpm 11, whose builds pnpm 12 would fetch from the registry, which refuses them).
  const env = { ...process.env, npm_config_manage_package_manager_versions: "false" };
  const child = execFile(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  child.stdout?.pipe(process.stderr);
  child.stderr?.pipe(process.stderr);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${code}`);
  return (performance.now() - t0) / 1000;
}

/** The current checkout as the "new" side (built by `./dev bench` before the runner starts). */
export async function currentCheckout(repo: string): Promise<Checkout> {
  return {
    ref: "working tree",
    sha: await git(repo, ["rev-parse", "HEAD"]),
    dirty: (await git(repo, ["status", "--porcelain", "--untracked-files=no"])) !== "",
    root: repo,
    prepare: { worktreeS: 0, installS: 0, buildS: 0, reused: true },
  };
}

/**
 * Checks `ref` out in `.bench-base/<sha>` (a detached git worktree), installs the benchmark's
 * workspace packages from the pnpm store (`--offline`; online only if the store lacks one) and
 * builds them; a folder prepared before (its `.bench-ready` stamp) is reused as it is.
 */
export async function prepareCheckout(repo: string, ref: string): Promise<Checkout> {
  const sha = await git(repo, ["rev-parse", "--verify", `${ref}^{commit}`]).catch(() => {
    throw new Error(`--base/--new ${ref}: not a commit in this repository`);
  });
  const root = join(repo, ".bench-base", sha);
  const ready = join(root, ".bench-ready");
  const checkout: Checkout = {
    ref,
    sha,
    dirty: false,
    root,
    prepare: { worktreeS: 0, installS: 0, buildS: 0, reused: true },
  };
  if (existsSync(ready)) return checkout;
  checkout.prepare.reused = false;
  const t0 = performance.now();
  await git(repo, ["worktree", "prune"]);
  if (!existsSync(root)) await git(repo, ["worktree", "add", "--detach", root, sha]);
  checkout.prepare.worktreeS = (performance.now() - t0) / 1000;
  const install = ["install", "--frozen-lockfile", "--filter", "@internal/bench..."];
  const quiet = ["--reporter=append-only"];
  checkout.prepare.installS = await timed("pnpm", [...install, "--offline", ...quiet], root).catch(
    async () => {
      console.error(`[ab] the pnpm store lacks a package of ${ref}: installing online`);
      return await timed("pnpm", [...install, ...quiet], root);
    },
  );
  checkout.prepare.buildS = await timed(
    "pnpm",
    ["exec", "turbo", "run", "build", "--filter=@internal/bench^...", "--output-logs=errors-only"],
    root,
  );
  await writeFile(ready, `${JSON.stringify(checkout.prepare)}\n`);
  return checkout;
}

/**
 * The environment of one side's benchmark process: the hook in NODE_OPTIONS (so the benchmark's
 * Node children load it too), the build it resolves to, the folder its result goes to, and no Bun
 * or Deno (their processes would not load the hook: the benchmarks skip those sides).
 */
export function sideEnv(c: Checkout, resultsDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${SDK_HOOK_URL}`.trim(),
    BENCH_SDK_ROOT: c.root,
    BENCH_RESULTS_DIR: resultsDir,
    MOLECULE_BUN: "",
    MOLECULE_DENO: "",
  };
}

/**
 * Where `@molecule-ai/agent-core` resolves in a process of side `c` (with the hook): checked before
 * measuring, so a side that silently ran the other build cannot pass for a result.
 */
export async function checkResolution(c: Checkout): Promise<string> {
  const { stdout } = await exec(
    process.execPath,
    ["--input-type=module", "-e", 'console.log(import.meta.resolve("@molecule-ai/agent-core"))'],
    { encoding: "utf8", env: sideEnv(c, "") },
  );
  const url = stdout.trim();
  if (!new URL(url).pathname.startsWith(`${c.root}/`)) {
    throw new Error(`@molecule-ai/agent-core resolves to ${url}, outside ${c.root}`);
  }
  return url;
}

/** `env` without the A/B hook in NODE_OPTIONS: for a child that needs no resolution redirected. */
export function withoutSdkHook(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const opts = (env.NODE_OPTIONS ?? "").replace(`--import=${SDK_HOOK_URL}`, "").trim();
  const { NODE_OPTIONS: _, ...rest } = env;
  return opts === "" ? rest : { ...rest, NODE_OPTIONS: opts };
}

/** One figure of an A/B run: the two builds' values, paired by round. */
export interface ABRow {
  figure: string;
  ours: string;
  unit: string;
  /** Medians over the rounds of the figure's value (each run's own median over its rounds). */
  newValue: number;
  baseValue: number;
  /** Per-round `new / base` of the figure's value. */
  ratio: RatioStats;
  /** Each build's own ours/peer ratio (every run's median) over the rounds, when there is a peer. */
  newVsPeer?: RatioStats;
  baseVsPeer?: RatioStats;
  peer: string;
}

/** A figure's identity across runs: what is measured, on which side, against what. */
const key = (f: { figure: string; ours: string; peer: string }): string =>
  `${f.figure}\u0000${f.ours}\u0000${f.peer}`;

/**
 * Pairs run `i` of the new build with run `i` of the base (they ran back to back, in alternating
 * order) figure by figure; a figure missing from any run is left out (returned in `missing`).
 */
export function abRows(
  newRuns: readonly BenchResult[],
  baseRuns: readonly BenchResult[],
): { rows: ABRow[]; missing: string[] } {
  const all = [...newRuns, ...baseRuns];
  const first = newRuns[0]?.figures ?? [];
  const rows: ABRow[] = [];
  const missing = new Set<string>();
  for (const r of all) {
    for (const f of r.figures) {
      if (!all.every((o) => o.figures.some((g) => key(g) === key(f)))) missing.add(key(f));
    }
  }
  for (const f of first) {
    if (missing.has(key(f))) continue;
    const pick = (runs: readonly BenchResult[]) =>
      runs.map((r) => r.figures.find((g) => key(g) === key(f))!);
    const n = pick(newRuns);
    const b = pick(baseRuns);
    const vsPeer = (fs: typeof n): RatioStats | undefined => {
      if (!fs.every((g) => g.ratio !== undefined)) return undefined;
      const rounds = fs.map((g) => g.ratio!.median);
      return { median: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds), rounds };
    };
    const newVsPeer = vsPeer(n);
    const baseVsPeer = vsPeer(b);
    rows.push({
      figure: f.figure,
      ours: f.ours,
      unit: f.unit,
      peer: f.peer,
      newValue: median(n.map((g) => g.oursValue)),
      baseValue: median(b.map((g) => g.oursValue)),
      ratio: pairedRatios(
        n.map((g) => g.oursValue),
        b.map((g) => g.oursValue),
      ),
      ...(newVsPeer !== undefined ? { newVsPeer } : {}),
      ...(baseVsPeer !== undefined ? { baseVsPeer } : {}),
    });
  }
  return { rows, missing: [...missing].map((k) => k.replaceAll("\u0000", " | ")) };
}

/** `0.92x (0.85-0.97)`. */
const formatStats = (r: RatioStats): string =>
  `${formatNumber(r.median)}x (${formatNumber(r.min)}-${formatNumber(r.max)})`;

/** `t` cut to 60 characters for a terminal table. */
const cut = (t: string): string => (t.length > 60 ? `${t.slice(0, 59)}…` : t);

/** The A/B table as aligned plain-text lines (long side names cut; the result file has them whole). */
export function abLines(rows: readonly ABRow[]): string[] {
  const headers = [
    "figure",
    "ours",
    "peer",
    "new",
    "base",
    "new/base: median (min-max)",
    "per round",
    "ours/peer, median (min-max) of runs: new; base",
  ];
  const cells = rows.map((r) => [
    r.figure,
    cut(r.ours),
    cut(r.peer),
    `${formatNumber(r.newValue)} ${r.unit}`,
    `${formatNumber(r.baseValue)} ${r.unit}`,
    r.ratio.rounds.every((x) => Number.isNaN(x)) ? "- (0 on both)" : formatStats(r.ratio),
    r.ratio.rounds.map((x) => (Number.isNaN(x) ? "-" : formatNumber(x))).join(", "),
    r.newVsPeer === undefined || r.baseVsPeer === undefined
      ? "-"
      : `${formatStats(r.newVsPeer)}; ${formatStats(r.baseVsPeer)}`,
  ]);
  const table = [headers, ...cells];
  const widths = headers.map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("-|-"), ...cells.map(line)];
}

/** What `bench/results/ab/<name>.json` holds. */
export interface ABResult {
  name: string;
  date: string;
  node: string;
  cpus: number;
  rounds: number;
  new: Checkout;
  base: Checkout;
  /** The 1-minute load average at the start and end of every run, in run order. */
  loadAvg: { side: "new" | "base"; round: number; start: number; end: number }[];
  durationS: number;
  rows: ABRow[];
  missing: string[];
}

/** Writes `<dir>/<name>.json`. */
export async function writeABResult(dir: string, result: ABResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** The context a reader needs beside the table: both builds, rounds, the load. */
export function abHeader(r: Omit<ABResult, "rows" | "missing">): string {
  const loads = r.loadAvg.flatMap((l) => [l.start, l.end]);
  return (
    `A/B ${r.name}: new = ${describeCheckout(r.new)}, base = ${describeCheckout(r.base)}; ` +
    `${r.rounds} rounds, builds alternating (new first in even rounds); ${r.durationS.toFixed(0)} s; ` +
    `1-minute load average ${formatNumber(Math.min(...loads))}-${formatNumber(Math.max(...loads))} ` +
    `on ${r.cpus} cores (Node ${r.node})`
  );
}

/** Default rounds of an A/B run. */
export const AB_ROUNDS = 3;
