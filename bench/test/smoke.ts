// Every benchmark's smoke run (`./dev bench --smoke <name>`: one short round, no verdicts, a number
// for every figure), one test each, so that a benchmark that stops working fails CI. Split over four
// files (smoke-*.test.ts) to keep each under the suite's 60 s a file.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { BENCHMARKS } from "../src/benchmarks.ts";

const BENCH = join(import.meta.dirname, "..");

/** The canvas benchmark drives Debian's Chromium (see canvas.ts); without one it is skipped. */
const chromium = [
  process.env["MOLECULE_CHROMIUM"],
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].some((p) => p !== undefined && p !== "" && existsSync(p));

/** The burst-memory benchmark runs its agent in a cgroup v1 memory limit; without one it is skipped. */
const memoryCgroups = (() => {
  try {
    accessSync("/sys/fs/cgroup/memory", constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

/** `node src/run.ts --smoke <name>`: its exit code and output. */
function smoke(name: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(BENCH, "src", "run.ts"), "--smoke", name], {
      cwd: BENCH,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.once("close", (code) => resolve({ code, out }));
  });
}

/**
 * What a failed smoke run said: the lines that name an error or a failure first (CI's summary keeps
 * a failed test's first four lines; the results table's verdicts left out), then the output's last
 * lines.
 */
function why(out: string): string {
  const lines = out.trimEnd().split("\n");
  const named = lines.filter(
    (l) => /error|fail|exited|no number|timed out|killed/i.test(l) && !l.includes(" | "),
  );
  return [...named.slice(0, 3), "...", ...lines.slice(-20)].join("\n");
}

/** One test per benchmark of `names` (each in the registry: a renamed one fails here). */
export function smokeTests(names: readonly string[]): void {
  for (const name of names) {
    const skip = (name === "canvas" && !chromium) || (name === "burst-memory" && !memoryCgroups);
    it.skipIf(skip)(`${name} still runs (one short round)`, { timeout: 90_000 }, async () => {
      expect(BENCHMARKS.map((b) => b.name)).toContain(name);
      const r = await smoke(name);
      if (r.code !== 0) throw new Error(`smoke ${name} exited ${r.code}: ${why(r.out)}`);
      expect(r.out).toContain(`=== smoke ${name}: ran`);
    });
  }
}

/**
 * The benchmarks in four groups of under 60 s of smoke time each on a loaded machine (smoke-1 to
 * smoke-4; in a CI run 42, 43, 31 and 31 s): serverless with burst-memory (its Worker's and Next
 * app's cold starts take about 26-35 s), the two 15 s conversations on their own.
 */
export const GROUPS = [
  ["emulator-heartbeat", "canvas", "client-overhead", "push-throughput", "inbound-latency"],
  [
    "conversation-load",
    "soak",
    "fleet",
    "spent-budget",
    "plugin-install",
    "import-cost",
    "footprint",
    "replicas",
  ],
  ["serverless", "burst-memory"],
  ["conversation-latency", "mcp-notify"],
] as const;
