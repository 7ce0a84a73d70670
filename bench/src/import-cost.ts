// import-cost: cold `import()` of each published package's root beside `@a2a-js/sdk/server` and
// `ai`. Every measurement is a fresh Node process (so nothing is cached in the module graph; the
// operating system's file cache is warm after the first round) that records its RSS, imports the
// module, and reports the time the import took (wall clock), the CPU time it used (user + system,
// every thread of the process: steadier than the wall clock on a loaded machine) and its peak RSS
// (getrusage maxRSS) minus the RSS before the import. Rounds rotate the order of the modules.
// Run: ./dev bench import-cost   (env: BENCH_ROUNDS, default 5; BENCH_MODULES, default all)
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { withoutSdkHook } from "./harness/ab.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios } from "./harness/stats.ts";
import type { Figure } from "./harness/types.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const ALL_MODULES = [
  "@molecule-ai/agent-core",
  "@molecule-ai/ai-sdk",
  "@molecule-ai/langchain",
  "@molecule-ai/nestjs",
  "@molecule-ai/platform-emulator",
  "@molecule-ai/cli",
  "@a2a-js/sdk/server",
  "ai",
] as const;
type Module = (typeof ALL_MODULES)[number];
/** BENCH_MODULES (comma-separated) measures only those, e.g. core and its peer for an A/B run. */
const only = process.env.BENCH_MODULES?.split(",").filter(Boolean);
const MODULES = only ? ALL_MODULES.filter((m) => only.includes(m)) : ALL_MODULES;

/** Ours beside the peer it is compared with ("none": the peers' figures are the context). */
const PEERS: Partial<Record<Module, Module>> = {
  "@molecule-ai/agent-core": "@a2a-js/sdk/server",
  "@molecule-ai/ai-sdk": "ai",
};

// Runs in the child: argv[1] is the module's resolved file URL.
const CHILD = `
const before = process.memoryUsage.rss();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await import(process.argv[1]);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMiB: (peak - before) / 1048576 }));
`;

const run = promisify(execFile);

interface Cost {
  ms: number;
  cpuMs: number;
  rssMiB: number;
}

// The module is resolved here (in the A/B mode, to the build under test); the child imports its
// file URL, so it needs no A/B hook, which would add its own loading to the figure.
const childEnv = withoutSdkHook(process.env);

async function measure(module: Module): Promise<Cost> {
  const { stdout } = await run(
    process.execPath,
    ["--input-type=module", "-e", CHILD, import.meta.resolve(module)],
    { encoding: "utf8", env: childEnv },
  );
  return JSON.parse(stdout) as Cost;
}

const r = await runRounds(MODULES, ROUNDS, async (module, round) => {
  const c = await measure(module);
  console.log(
    `  round ${round + 1} ${module}: ${c.ms.toFixed(1)} ms, ${c.cpuMs.toFixed(1)} ms CPU, +${c.rssMiB.toFixed(1)} MiB peak RSS`,
  );
  return c;
});

const series = (m: Module, k: keyof Cost) => r[m].map((c) => c[k]);
const figures: Figure[] = [];
for (const m of MODULES.filter((x) => x.startsWith("@molecule-ai/"))) {
  const peer = PEERS[m] !== undefined && MODULES.includes(PEERS[m]) ? PEERS[m] : undefined;
  for (const [k, label, unit] of [
    ["ms", "cold import() time", "ms"],
    ["cpuMs", "CPU time of the cold import()", "ms"],
    ["rssMiB", "peak RSS added by the import", "MiB"],
  ] as const) {
    figures.push({
      figure: label,
      ours: m,
      peer: peer ?? "none",
      unit,
      oursValue: median(series(m, k)),
      ...(peer !== undefined
        ? { peerValue: median(series(peer, k)), ratio: pairedRatios(series(m, k), series(peer, k)) }
        : {}),
      // Issue #16: importing core's root costs no more than the official A2A server SDK's.
      ...(m === "@molecule-ai/agent-core" && k !== "rssMiB" && peer !== undefined
        ? { target: { on: "ratio", op: "<=", value: 1 } as const }
        : {}),
    });
  }
}
for (const m of (["@a2a-js/sdk/server", "ai"] as const).filter((x) => MODULES.includes(x))) {
  figures.push({
    figure: "cold import() time (context)",
    ours: `${m} (not ours)`,
    peer: "none",
    unit: "ms",
    oursValue: median(series(m, "ms")),
  });
}

await writeResult({
  name: "import-cost",
  description: `Cold \`import()\` of each package's root, \`@a2a-js/sdk/server\` and \`ai\`, each in a fresh Node process; ${ROUNDS} rounds, order rotated.`,
  rounds: ROUNDS,
  figures,
  notes: [
    "`@molecule-ai/ai-sdk` imports `ai` itself (a peer dependency), so its ratio to `ai` is at least about 1 by construction: it shows what the adapter adds.",
    "fresh processes, but the operating system's file cache is warm: this is the cost of loading and evaluating the module graph, not of reading it from a cold disk.",
  ],
});
