import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { inRunOrder, missingResults } from "../src/benchmarks.ts";
import { lastChanged } from "../src/harness/changed.ts";
import { abLines, abRows, SDK_HOOK_URL, withoutSdkHook } from "../src/harness/ab.ts";
import { README_END, README_START, resultsSection, updateReadme } from "../src/harness/readme.ts";
import { readAllResults, toResult } from "../src/harness/result.ts";
import { rotation, runRounds } from "../src/harness/rounds.ts";
import { median, pairedRatios, percentile } from "../src/harness/stats.ts";
import { formatNumber, summaryLines, summaryRows } from "../src/harness/summary.ts";
import type { BenchResult, Figure } from "../src/harness/types.ts";
import { benchVerdict, figureVerdict } from "../src/harness/verdict.ts";

const fig = (over: Partial<Figure> = {}): Figure => ({
  figure: "req/s",
  ours: "ours",
  peer: "a peer",
  unit: "req/s",
  oursValue: 100,
  peerValue: 50,
  ratio: pairedRatios([100, 90], [50, 60]),
  ...over,
});

describe("stats", () => {
  it("percentile is nearest-rank and median averages the middle pair", () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([3, 1, 2])).toBe(2);
  });

  it("pairs round i with round i, not the medians of each side", () => {
    // Side medians are 20 and 20 (ratio 1), but every round ours was half or double the peer's.
    const r = pairedRatios([10, 20, 40], [20, 10, 20]);
    expect(r.rounds).toEqual([0.5, 2, 2]);
    expect(r).toMatchObject({ median: 2, min: 0.5, max: 2 });
  });

  it("refuses series of different lengths or no rounds", () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(/one value per round/);
    expect(() => pairedRatios([], [])).toThrow(/one value per round/);
  });
});

describe("rounds", () => {
  it("rotates so that every side runs once in every position", () => {
    const sides = ["a", "b", "c"];
    const orders = [0, 1, 2].map((r) => rotation(sides, r));
    expect(orders).toEqual([
      ["a", "b", "c"],
      ["b", "c", "a"],
      ["c", "a", "b"],
    ]);
    for (let pos = 0; pos < 3; pos++) {
      expect(new Set(orders.map((o) => o[pos]))).toEqual(new Set(sides));
    }
    expect(rotation(sides, 3)).toEqual(sides);
  });

  it("runRounds measures in the rotated order and files values by round", async () => {
    const calls: string[] = [];
    const out = await runRounds(["x", "y"] as const, 3, async (side, round) => {
      calls.push(`${side}${round}`);
      return `${side}@${round}`;
    });
    expect(calls).toEqual(["x0", "y0", "y1", "x1", "x2", "y2"]);
    expect(out).toEqual({ x: ["x@0", "x@1", "x@2"], y: ["y@0", "y@1", "y@2"] });
  });
});

describe("verdicts", () => {
  it("judges a ratio target on the median paired ratio, not the absolute values", () => {
    // Absolute 100 vs 50 would be 2x, but the paired rounds say 2x and 1.5x: median 1.75.
    const f = fig({ target: { on: "ratio", op: ">=", value: 1.8 } });
    expect(f.ratio?.median).toBe(1.75);
    expect(figureVerdict(f)).toBe("FAIL");
    expect(figureVerdict({ ...f, target: { on: "ratio", op: ">=", value: 1.75 } })).toBe("PASS");
  });

  it("judges an absolute target on our value", () => {
    const f = fig({ oursValue: 40, target: { on: "ours", op: "<=", value: 50 } });
    expect(figureVerdict(f)).toBe("PASS");
    expect(figureVerdict({ ...f, oursValue: 51 })).toBe("FAIL");
    expect(figureVerdict({ ...f, oursValue: Number.NaN })).toBe("FAIL");
  });

  it("an untargeted figure is informational; a benchmark passes when all its targets do", () => {
    expect(figureVerdict(fig())).toBe("info");
    expect(benchVerdict([fig()])).toBe("info");
    const pass = fig({ target: { on: "ratio", op: ">=", value: 1 } });
    expect(benchVerdict([fig(), pass])).toBe("PASS");
    expect(benchVerdict([pass, fig({ target: { on: "ours", op: "<=", value: 1 } })])).toBe("FAIL");
  });

  it("a figure with a peer must carry paired ratios", () => {
    const input = { name: "x", description: "d", rounds: 1 };
    expect(() => toResult({ ...input, figures: [fig({ ratio: undefined })] })).toThrow(
      /no paired ratios/,
    );
    const r = toResult({ ...input, figures: [fig({ peer: "none", ratio: undefined })] });
    expect(r.verdict).toBe("info");
    expect(r.node).toBe(process.version);
  });
});

const result = (name: string, figures: Figure[], load = 0.5): BenchResult => ({
  name,
  description: `what ${name} runs`,
  rounds: 2,
  figures,
  date: "2026-11-22T09:00:00.000Z",
  node: "v24.21.0",
  cpus: 2,
  loadAvg: { start: load, end: load },
  durationMs: 12_345,
  verdict: benchVerdict(figures),
});

describe("summary and README", () => {
  it("formats figures, ratios and targets", () => {
    expect(formatNumber(51_082.4)).toBe("51,082");
    expect(formatNumber(0.9123)).toBe("0.912");
    expect(formatNumber(undefined)).toBe("-");
    const [row] = summaryRows([
      result("push", [fig({ target: { on: "ratio", op: ">=", value: 2 } })]),
    ]);
    expect(row).toEqual([
      "push",
      "req/s",
      "ours",
      "a peer",
      "100 req/s",
      "50 req/s",
      "1.75x (1.5-2)",
      "ours/peer >= 2",
      "FAIL",
    ]);
    const lines = summaryLines([result("push", [fig()])]);
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1); // aligned columns
  });

  it("says the machine was loaded when the load average exceeded the cores", () => {
    const quiet = resultsSection([result("a", [fig()])]);
    expect(quiet).toContain("stayed at or below the core count");
    const loaded = resultsSection([result("a", [fig()]), result("b", [fig()], 3.2)]);
    expect(loaded).toContain("The machine was loaded: the 1-minute load average (up to 3.2)");
    expect(loaded).toContain("`b`");
    expect(loaded).toContain("Measured 2026-11-22 on a 2-core machine");
  });

  it("marks a result measured before its benchmark last changed as stale", () => {
    const changed = new Map([
      ["a", "2026-11-25T10:00:00+00:00"], // after the result (2026-11-22): stale
      ["b", "2026-11-20T10:00:00+00:00"], // before it: current
    ]);
    const out = resultsSection([result("a", [fig()]), result("b", [fig()])], [], changed);
    expect(out).toContain(
      "**Stale** (measured before their benchmark last changed; run them again): `a` (changed 2026-11-25).",
    );
    expect(out).toContain("2026-11-22 09:00 (stale: the benchmark changed 2026-11-25)");
    expect(out).not.toContain("`b` (changed");
    expect(resultsSection([result("a", [fig()])])).not.toContain("Stale");
  });

  it("replaces only the text between the markers", () => {
    const readme = `# B\n\nintro\n\n${README_START}\nold table\n${README_END}\n\n## After\n`;
    const out = updateReadme(readme, [result("a", [fig()])]);
    expect(out).not.toContain("old table");
    expect(out.startsWith("# B\n\nintro\n\n")).toBe(true);
    expect(out.endsWith(`${README_END}\n\n## After\n`)).toBe(true);
    expect(updateReadme(out, [result("a", [fig()])])).toBe(out);
    expect(() => updateReadme("# no markers", [])).toThrow(/lacks the markers/);
  });

  it("orders results as ./dev bench runs them", () => {
    const names = inRunOrder([
      result("zz-unregistered", []),
      result("import-cost", []),
      result("emulator-heartbeat", []),
    ]).map((r) => r.name);
    expect(names).toEqual(["emulator-heartbeat", "import-cost", "zz-unregistered"]);
  });

  it("lists registered benchmarks that left no result file", () => {
    const out = resultsSection([result("a", [fig()])], ["fleet"]);
    expect(out).toContain("No result file (the benchmark did not run to completion): `fleet`.");
    expect(resultsSection([result("a", [fig()])])).not.toContain("No result file");
  });

  it("bench/README.md's results section is the one generated from bench/results/*.json", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    // If this fails, run `./dev bench --readme` (never edit the table by hand).
    const results = inRunOrder(await readAllResults());
    const changed = await lastChanged(results.map((r) => r.name));
    expect(readme).toBe(updateReadme(readme, results, missingResults(results), changed));
  });
});

const run = (figures: Figure[]): BenchResult =>
  toResult({ name: "x", description: "d", rounds: 1, figures });
const twoPeers = (v: number, w: number): BenchResult =>
  run([fig({ oursValue: v }), fig({ peer: "another peer", oursValue: w })]);

describe("A/B mode", () => {
  it("pairs run i of the new build with run i of the base, figure by figure (peer included)", () => {
    const a = twoPeers;
    const { rows, missing } = abRows([a(10, 1), a(30, 2)], [a(20, 2), a(10, 2)]);
    expect(missing).toEqual([]);
    expect(rows.map((r) => [r.peer, r.ratio.rounds])).toEqual([
      ["a peer", [0.5, 3]],
      ["another peer", [0.5, 1]],
    ]);
    expect(rows[0]).toMatchObject({ newValue: 20, baseValue: 15 });
    expect(rows[0]!.newVsPeer).toMatchObject({ median: 1.75, min: 1.75, max: 1.75 });
  });

  it("leaves out a figure one run lacks, and says which", () => {
    const { rows, missing } = abRows([run([fig(), fig({ figure: "only new" })])], [run([fig()])]);
    expect(rows.map((r) => r.figure)).toEqual(["req/s"]);
    expect(missing).toEqual(["only new | ours | a peer"]);
  });

  it("prints 0 on both sides as such, not NaN", () => {
    const zero = run([fig({ oursValue: 0 })]);
    const lines = abLines(abRows([zero], [zero]).rows);
    expect(lines.join("\n")).toContain("- (0 on both)");
    expect(lines.join("\n")).not.toContain("NaN");
  });

  it("a child that needs no redirection gets NODE_OPTIONS without the hook", () => {
    const env = { NODE_OPTIONS: `--max-old-space-size=99 --import=${SDK_HOOK_URL}`, A: "1" };
    expect(withoutSdkHook(env)).toEqual({ NODE_OPTIONS: "--max-old-space-size=99", A: "1" });
    expect(withoutSdkHook({ NODE_OPTIONS: `--import=${SDK_HOOK_URL}` })).toEqual({});
  });
});
