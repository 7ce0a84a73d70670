// Issue #80 measurement (`./dev node bench/scripts/issue80-widths.mjs`, after `./dev bench`'s build
// or `./dev pnpm build`): what the handler and reply-outbox widths do to conversation-load's ratios
// to the bare pair. RUNS (default 5) times over, each width pair in turn runs
// `bench/src/conversation-load.ts` once (BENCH_MEMORY_SIDE=0, BENCH_ROUNDS=10, BENCH_WARM_FROM=51
// unless set; both agents of our pairs given BENCH_AGENT_CONCURRENCY and
// BENCH_AGENT_REPLY_CONCURRENCY), its result written to a temporary folder (bench/results is left as
// it was). Prints, per width pair and figure, the median over runs of each run's median paired
// ratio ours/bare, with every run's. WIDTHS: `concurrency/replyConcurrency` pairs, comma-separated
// (default 4/8 (the defaults),100/64,64/64,32/32,16/16,100/8,4/64).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "../src/harness/stats.ts";

const BENCH = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.RUNS ?? 5);
const WIDTHS = (process.env.WIDTHS ?? "4/8,100/64,64/64,32/32,16/16,100/8,4/64").split(",");
const FIGURES = {
  "agents' CPU time per round trip, warm (both agents, median of rounds)": "warm CPU",
  "round trip at 100 concurrent, p99, warm": "warm p99",
  "agents' CPU time per round trip, from start (both agents, all 5 rounds)": "from start CPU",
  "round trip at 100 concurrent, p99, from start": "from start p99",
};

/** ratios[width][figure]: each run's median ratio ours/bare. */
const ratios = new Map(WIDTHS.map((w) => [w, new Map()]));
const dir = mkdtempSync(join(tmpdir(), "issue80-widths-"));
try {
  for (let run = 1; run <= RUNS; run++) {
    for (const width of WIDTHS) {
      const [concurrency, replyConcurrency] = width.split("/");
      const resultsDir = join(dir, `${width.replace("/", "-")}-${run}`);
      const child = spawnSync(process.execPath, [join(BENCH, "src", "conversation-load.ts")], {
        cwd: BENCH,
        stdio: ["ignore", "ignore", "inherit"],
        timeout: 480_000,
        env: {
          BENCH_MEMORY_SIDE: "0",
          BENCH_ROUNDS: "10",
          BENCH_WARM_FROM: "51",
          ...process.env,
          BENCH_AGENT_CONCURRENCY: concurrency,
          BENCH_AGENT_REPLY_CONCURRENCY: replyConcurrency,
          BENCH_RESULTS_DIR: resultsDir,
        },
      });
      const file = join(resultsDir, "conversation-load.json");
      process.stderr.write(`run ${run}, ${width}: exit ${child.status ?? child.signal}\n`);
      if (!existsSync(file))
        throw new Error(`run ${run}, ${width}: conversation-load wrote no result`);
      const result = JSON.parse(readFileSync(file, "utf8"));
      for (const f of result.figures) {
        const name = FIGURES[f.figure];
        if (!name || f.ratio === undefined) continue;
        const byFigure = ratios.get(width);
        byFigure.set(name, [...(byFigure.get(name) ?? []), f.ratio.median]);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`concurrency/replyConcurrency | ${Object.values(FIGURES).join(" | ")}`);
for (const [width, byFigure] of ratios) {
  const cells = Object.values(FIGURES).map((name) => {
    const xs = byFigure.get(name) ?? [];
    if (xs.length === 0) return "-";
    return `${median(xs).toFixed(2)}x (${xs.map((x) => x.toFixed(2)).join(", ")})`;
  });
  console.log(`${width} | ${cells.join(" | ")}`);
}
