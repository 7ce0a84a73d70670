// fleet: many RemoteAgents in one Node process against the emulator in another process. For each
// configuration (defaults first, see fleet-configs.ts) and fleet size, a fresh set of workspaces
// and a fresh agent process (fleet-run.ts): RSS growth per agent, heartbeat lateness (max, p99)
// and messages handled while the fleet runs. Goals (issue 20): 1,000 agents with defaults
// <= 100 KiB RSS growth per agent, the lightest configuration <= 46 KiB (the Python reference's
// figure, thread per agent, measured outside this benchmark); 10,000 agents in one process under
// 1 GiB; heartbeats on time (longest gap <= interval + 1 s) everywhere.
//
//   ./dev bench fleet
//   env: FLEET_SIZES=1000 (default; add 10000 for the 10,000-agent runs: several minutes each on a
//        loaded 2-core machine, beyond ./dev bench's 10-minute budget)  FLEET_CONFIGS=<names>
//        FLEET_CONFIGS_10K=defaults,lightest
//        FLEET_START_BATCH=<all> (agents started with one Promise.all, batch after batch; by
//        default all of them, as a user starts a fleet: the SDK paces the start-ups itself)
//        FLEET_ROUNDS=1 (runs of each configuration below 10,000 agents; goals are judged on the
//        worst; the published figures use 3, about 6 minutes at 1,000 agents)
//        FLEET_WINDOW_MS=30000 (the issue's window)  FLEET_HEARTBEAT_MS=5000  FLEET_MESSAGES=100
//        FLEET_NODE_FLAGS="<node flags>" (e.g. --trace-gc-nvp)  FLEET_HEAP_SNAPSHOTS=<dir>
//        FLEET_SMAPS=1|2 (where the memory goes: see fleet-memory.ts)
//        BENCH_PYTHON_SDK=<dir> (a checkout of the Python reference SDK: each round, below 10,000
//        agents, also runs the same fleet on it, fleet-python.py, one thread per agent; unset: skipped)
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { PlatformClient } from "@molecule-ai/agent-core";
import { spawnEmulator } from "./emulator-process.ts";
import { FLEET_CONFIGS } from "./fleet-configs.ts";
import type { FleetConfig, FleetConfigName } from "./fleet-configs.ts";
import { writeResult } from "./harness/result.ts";
import { median, pairedRatios } from "./harness/stats.ts";
import type { Figure } from "./harness/types.ts";

const KiB = 1024;
const MiB = 1024 * 1024;
const env = process.env;
const SIZES = (env.FLEET_SIZES ?? "1000").split(",").map(Number);
const CONFIGS = (env.FLEET_CONFIGS ?? "defaults,small-heap,lightest").split(
  ",",
) as FleetConfigName[];
const CONFIGS_10K = (env.FLEET_CONFIGS_10K ?? "defaults,lightest").split(",") as FleetConfigName[];
const WINDOW_MS = Number(env.FLEET_WINDOW_MS ?? 30_000);
const HEARTBEAT_MS = Number(env.FLEET_HEARTBEAT_MS ?? 5_000);
const MESSAGES = Number(env.FLEET_MESSAGES ?? 100);
/**
 * Runs of every configuration below 10,000 agents: a goal has to hold in the worst of them. One by
 * default, so `./dev bench` stays in its budget; the published figures use FLEET_ROUNDS=3.
 */
const ROUNDS = Math.max(1, Number(env.FLEET_ROUNDS ?? 1));
/** A checkout of the Python reference SDK (its molecule_agent package), or none: no Python side. */
const PYTHON_SDK = env.BENCH_PYTHON_SDK;
/** The Python side's name among the configurations. */
const PYTHON = "python";
type SideName = FleetConfigName | typeof PYTHON;
const PYTHON_LABEL =
  "the Python reference SDK (molecule_agent, from BENCH_PYTHON_SDK), one thread per agent: RemoteAgentClient.run_agent_loop with PollDelivery, heartbeat + inbox + state check every interval";
const labelOf = (side: SideName): string =>
  side === PYTHON ? PYTHON_LABEL : FLEET_CONFIGS[side].label;

/** What one fleet-run.ts process reports. */
export interface FleetResult {
  config: SideName;
  label: string;
  agents: number;
  rssGrowthBytes: number;
  heapUsedGrowthBytes: number;
  heapTotalGrowthBytes: number;
  externalGrowthBytes: number;
  rssBytes: number;
  maxGapMs: number;
  p99GapMs: number;
  lateMaxMs: number;
  lateP99Ms: number;
  heartbeats: number;
  /** Heartbeats that failed (an error, not an answer) during the window. */
  heartbeatsFailed: number;
  handled: number;
  sent: number;
  stopMs: number;
  /** CPU time during the window as a share of one core (1 = a whole core). */
  cpuCoreShare: number;
  rssGrowthAfterLastResortGcBytes: number;
  /** Sockets open at the end of the window (platform requests, event streams). */
  sockets: number;
  spaces: Record<string, { sizeGrowthBytes: number; usedGrowthBytes: number }>;
  /** The Python side only: agents that registered, and how long starting them all took. */
  registered?: number;
  startMs?: number;
}

async function createWorkspaces(url: string, adminToken: string, n: number) {
  const out: Array<{ id: string; token: string }> = [];
  const pool = new Agent({ connections: 32 });
  try {
    for (let i = 0; i < n; i += 64) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(64, n - i) }, async (_, j) => {
          const res = await pool.request({
            origin: url,
            path: "/workspaces",
            method: "POST",
            headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
            body: JSON.stringify({ name: `fleet-${i + j}`, runtime: "external", external: true }),
          });
          const w = (await res.body.json()) as { id: string; connection: { auth_token: string } };
          return { id: w.id, token: w.connection.auth_token };
        }),
      );
      out.push(...batch);
    }
  } finally {
    await pool.close();
  }
  return out;
}

/** Runs one configuration at one size in a fresh emulator and a fresh agent process. */
async function measure(config: SideName, n: number, dir: string): Promise<FleetResult> {
  const emu = await spawnEmulator();
  try {
    const all = await createWorkspaces(emu.url, emu.adminToken, n + 2);
    const sender = all.pop()!;
    const warmup = all.pop()!;
    const file = join(dir, `${config}-${n}.json`);
    await writeFile(file, JSON.stringify({ warmup, workspaces: all }));
    const childEnv = {
      ...env,
      // The default store's files (one folder per poll agent): in the run's temporary folder.
      MOLECULE_STATE_DIR: join(dir, `state-${config}-${n}`),
      FLEET_URL: emu.url,
      FLEET_CONFIG: config,
      FLEET_WORKSPACES: file,
      FLEET_WINDOW_MS: String(WINDOW_MS),
      FLEET_HEARTBEAT_MS: String(HEARTBEAT_MS),
    };
    const child =
      config === PYTHON
        ? spawn(
            env.BENCH_PYTHON ?? "python3",
            [fileURLToPath(new URL("fleet-python.py", import.meta.url))],
            {
              stdio: ["ignore", "pipe", "inherit"],
              env: { ...childEnv, PYTHONPATH: PYTHON_SDK, PYTHONUNBUFFERED: "1" },
            },
          )
        : spawn(
            process.execPath,
            [
              "--expose-gc",
              ...((FLEET_CONFIGS[config] as FleetConfig).nodeFlags ?? []),
              ...(env.FLEET_NODE_FLAGS ? env.FLEET_NODE_FLAGS.split(" ") : []),
              fileURLToPath(new URL("fleet-run.ts", import.meta.url)),
            ],
            {
              stdio: ["ignore", "pipe", "inherit"],
              env: { ...childEnv, ...(FLEET_CONFIGS[config] as FleetConfig).env },
            },
          );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const lines = createInterface({ input: child.stdout });
    let sent = 0;
    for await (const line of lines) {
      // Anything else on stdout (e.g. V8's --trace-gc through FLEET_NODE_FLAGS) goes to stderr.
      if (!line.startsWith("{")) {
        process.stderr.write(`${line}\n`);
        continue;
      }
      const msg = JSON.parse(line) as { event: string } & Record<string, number>;
      if (
        msg.event === "started" &&
        (config === PYTHON || (FLEET_CONFIGS[config] as FleetConfig).agent.delivery !== "none")
      ) {
        // Traffic while the fleet runs: messages through the platform's A2A proxy.
        const client = new PlatformClient({
          platformUrl: emu.url,
          workspaceId: sender.id,
          token: sender.token,
        });
        for (let i = 0; i < MESSAGES; i++) {
          const target = all[Math.floor(Math.random() * all.length)]!;
          await client.callPeer(target.id, `task ${i}`, { messageId: randomUUID() });
          sent++;
        }
        await client.close();
      } else if (msg.event === "result") {
        await exited;
        const { event: _, ...rest } = msg;
        return {
          config,
          label: labelOf(config),
          sent,
          ...(rest as unknown as Omit<FleetResult, "config" | "label" | "sent">),
        };
      }
    }
    throw new Error(`fleet-run (${config}, ${n}) exited (${await exited}) without a result`);
  } finally {
    emu.child.kill("SIGTERM");
  }
}

/** Runs every configuration at every size, in order. */
async function runFleet(): Promise<FleetResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "fleet-"));
  const results: FleetResult[] = [];
  try {
    for (const n of SIZES) {
      const rounds = n >= 10_000 ? 1 : ROUNDS;
      for (let round = 0; round < rounds; round++) {
        // With BENCH_PYTHON_SDK, the Python SDK's fleet is one more side below 10,000 agents; the
        // sides' order is rotated each round.
        const sides: SideName[] = n >= 10_000 ? CONFIGS_10K : [...CONFIGS];
        if (PYTHON_SDK !== undefined && n < 10_000) sides.push(PYTHON);
        const k = round % sides.length;
        for (const config of [...sides.slice(k), ...sides.slice(0, k)]) {
          const r = await measure(config, n, dir);
          results.push(r);
          report(r, round, rounds);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

/** Prints one run's figures and where its memory goes. */
function report(r: FleetResult, round: number, rounds: number): void {
  const { config, agents: n } = r;
  console.log(
    `${config} x ${n}${rounds > 1 ? ` (run ${round + 1}/${rounds})` : ""}: ${(r.rssGrowthBytes / n / KiB).toFixed(1)} KiB/agent RSS growth ` +
      `(heap used ${(r.heapUsedGrowthBytes / n / KiB).toFixed(1)}, heap total ` +
      `${(r.heapTotalGrowthBytes / n / KiB).toFixed(1)}, external ` +
      `${(r.externalGrowthBytes / n / KiB).toFixed(1)}), process RSS ` +
      `${(r.rssBytes / MiB).toFixed(0)} MiB, heartbeat late max ${r.lateMaxMs.toFixed(0)} ms ` +
      `p99 ${r.lateP99Ms.toFixed(0)} ms, CPU ${(r.cpuCoreShare * 100).toFixed(1)} % of a core, ` +
      `handled ${r.handled}/${r.sent}`,
  );
  const young = r.spaces.new_space?.sizeGrowthBytes ?? 0;
  console.log(
    `  where it goes, KiB/agent: V8 young generation ${(young / n / KiB).toFixed(1)}, V8 ` +
      `other spaces committed ${((r.heapTotalGrowthBytes - young) / n / KiB).toFixed(1)} ` +
      `(used ${(r.heapUsedGrowthBytes / n / KiB).toFixed(1)}), outside the V8 heap ` +
      `${((r.rssGrowthBytes - r.heapTotalGrowthBytes) / n / KiB).toFixed(1)}; after a ` +
      `last-resort GC the growth would be ` +
      `${(r.rssGrowthAfterLastResortGcBytes / n / KiB).toFixed(1)} (not the figure); ` +
      `${r.sockets} open sockets`,
  );
}

/** The runs of one configuration at one size, in run order. */
function groups(results: FleetResult[]): FleetResult[][] {
  const out = new Map<string, FleetResult[]>();
  for (const r of results) {
    const key = `${r.config} ${r.agents}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return [...out.values()];
}

const worst = (runs: FleetResult[], f: (r: FleetResult) => number): number =>
  Math.max(...runs.map(f));

/** The summary rows of one configuration at one size: goals are judged on the worst run. */
function figures(runs: FleetResult[]): Figure[] {
  const r = runs[0]!;
  const n = r.agents.toLocaleString("en-US");
  const ours = `${r.config}: ${r.label}`;
  const of = runs.length > 1 ? `, worst of ${runs.length} runs` : "";
  const rssPerAgent = (x: FleetResult): number => x.rssGrowthBytes / x.agents / KiB;
  const perAgent: Figure = {
    figure: `RSS growth per agent, ${n} agents${of}`,
    ours,
    peer: "none",
    unit: "KiB",
    oursValue: worst(runs, rssPerAgent),
  };
  if (r.agents === 1000 && r.config === "defaults")
    perAgent.target = { on: "ours", op: "<=", value: 100 };
  if (r.agents === 1000 && r.config === "lightest")
    perAgent.target = { on: "ours", op: "<=", value: 46 };
  const out: Figure[] = [perAgent];
  if (runs.length > 1) {
    out.push({
      figure: `RSS growth per agent, ${n} agents, median of ${runs.length} runs`,
      ours,
      peer: "none",
      unit: "KiB",
      oursValue: median(runs.map(rssPerAgent)),
    });
  }
  out.push(
    {
      figure: `heartbeat lateness, max, ${n} agents${of}`,
      ours,
      peer: "none",
      unit: "ms",
      oursValue: worst(runs, (x) => x.lateMaxMs),
      target: { on: "ours", op: "<=", value: 1_000 },
    },
    {
      figure: `heartbeat lateness, p99, ${n} agents${of}`,
      ours,
      peer: "none",
      unit: "ms",
      oursValue: worst(runs, (x) => x.lateP99Ms),
    },
    {
      figure: `CPU during the window, % of one core, ${n} agents${of}`,
      ours,
      peer: "none",
      unit: "%",
      oursValue: worst(runs, (x) => x.cpuCoreShare * 100),
    },
    {
      figure: `of which V8 young generation, per agent, ${n} agents${of}`,
      ours,
      peer: "none",
      unit: "KiB",
      oursValue: worst(runs, (x) => (x.spaces.new_space?.sizeGrowthBytes ?? 0) / x.agents / KiB),
    },
  );
  if (r.sent > 0) {
    out.push({
      figure: `messages not handled, ${n} agents, all runs`,
      ours,
      peer: "none",
      unit: "messages",
      oursValue: runs.reduce((sum, x) => sum + x.sent - x.handled, 0),
      target: { on: "ours", op: "<=", value: 0 },
    });
  }
  if (r.agents >= 10_000) {
    out.push({
      figure: `process RSS, ${n} agents${of}`,
      ours,
      peer: "none",
      unit: "MiB",
      oursValue: worst(runs, (x) => x.rssBytes / MiB),
      target: { on: "ours", op: "<=", value: 1024 },
    });
  }
  return out;
}

/** Per-agent RSS between two fleet sizes of one configuration (medians): what one more agent costs. */
function slopes(all: FleetResult[][]): Figure[] {
  const out: Figure[] = [];
  const rss = (runs: FleetResult[]): number => median(runs.map((x) => x.rssBytes));
  for (const big of all) {
    const b = big[0]!;
    const small = all.find((g) => g[0]!.config === b.config && g[0]!.agents < b.agents);
    if (!small) continue;
    const s0 = small[0]!;
    out.push({
      figure: `RSS per additional agent, ${s0.agents.toLocaleString("en-US")} to ${b.agents.toLocaleString("en-US")} agents`,
      ours: `${b.config}: ${b.label}`,
      peer: "none",
      unit: "KiB",
      oursValue: (rss(big) - rss(small)) / (b.agents - s0.agents) / KiB,
    });
  }
  return out;
}

/**
 * Our default agents beside the Python SDK's fleet at 1,000 agents (issue 60), run as the core
 * guide "Running many agents in one process" says (`small-heap`: Node `--optimize-for-size`):
 * RSS growth per agent (paired by round), heartbeats recorded and the longest gap; and, for
 * information, the same agents in a Node run with no flag. None without BENCH_PYTHON_SDK.
 */
function besidePython(all: FleetResult[][]): Figure[] {
  const py = all.find((g) => g[0]!.config === PYTHON);
  const at = (config: FleetConfigName) =>
    all.find((g) => g[0]!.config === config && g[0]!.agents === py?.[0]!.agents);
  const ts = at("small-heap");
  if (py === undefined || ts === undefined) return [];
  const n = ts[0]!.agents;
  const agents = `${n.toLocaleString("en-US")} agents`;
  const ours = `small-heap: ${FLEET_CONFIGS["small-heap"].label}, ${agents}`;
  const peer = `${PYTHON_LABEL}, ${agents}, against its own fresh emulator, every round beside ours`;
  const rss = (x: FleetResult): number => x.rssGrowthBytes / x.agents / KiB;
  // Per agent: one heartbeat every interval in the window, plus the gap from the last to its end.
  const expected = n * (Math.floor(WINDOW_MS / HEARTBEAT_MS) + 1);
  pythonStarts = py.map(
    (x) =>
      `${x.registered ?? "?"} of ${n} registered, all threads started in ${((x.startMs ?? 0) / 1000).toFixed(1)} s`,
  );
  /** RSS growth per agent of `side` beside Python's (median of runs, ratios paired by run). */
  const rssBeside = (side: FleetResult[]) => ({
    peer,
    unit: "KiB",
    oursValue: median(side.map(rss)),
    peerValue: median(py.map(rss)),
    ratio: pairedRatios(side.map(rss), py.map(rss)),
  });
  const plain = at("defaults");
  return [
    {
      figure: `RSS growth per agent, ${agents}, beside the Python SDK (median of runs)`,
      ours,
      ...rssBeside(ts),
      target: { on: "ratio", op: "<=", value: 1 },
    },
    ...(plain === undefined
      ? []
      : [
          {
            figure: `RSS growth per agent, ${agents}, beside the Python SDK, Node run with no flag (median of runs)`,
            ours: `defaults: ${FLEET_CONFIGS.defaults.label}, ${agents}`,
            ...rssBeside(plain),
          },
        ]),
    {
      figure: `heartbeats recorded in the window (of ${expected.toLocaleString("en-US")} due), worst run`,
      ours,
      peer,
      unit: "heartbeats",
      oursValue: Math.min(...ts.map((x) => x.heartbeats)),
      peerValue: Math.min(...py.map((x) => x.heartbeats)),
      ratio: pairedRatios(
        ts.map((x) => x.heartbeats),
        py.map((x) => x.heartbeats),
      ),
      // Informational: an agent whose heartbeats come a few ms more than the cadence apart has one
      // fewer in a fixed window without missing any (a missed one shows in the longest gap).
    },
    {
      figure: `heartbeats failed during the window, all runs (the Python SDK's: ${py.reduce((sum, x) => sum + x.heartbeatsFailed, 0)})`,
      ours,
      peer: "none",
      unit: "heartbeats",
      oursValue: ts.reduce((sum, x) => sum + x.heartbeatsFailed, 0),
      target: { on: "ours", op: "<=", value: 0 },
    },
    {
      figure: `longest gap between an agent's heartbeats, worst run (cadence ${HEARTBEAT_MS / 1000} s)`,
      ours,
      peer,
      unit: "ms",
      oursValue: Math.max(...ts.map((x) => x.maxGapMs)),
      peerValue: Math.max(...py.map((x) => x.maxGapMs)),
      ratio: pairedRatios(
        ts.map((x) => x.maxGapMs),
        py.map((x) => x.maxGapMs),
      ),
      target: { on: "ours", op: "<=", value: 1.2 * HEARTBEAT_MS },
    },
  ];
}

/** The Python side's start-ups, run by run (for the notes). */
let pythonStarts: string[] = [];
const results = groups(await runFleet());
const pythonFigures = besidePython(results);
const ourResults = results.filter((g) => g[0]!.config !== PYTHON);
await writeResult({
  name: "fleet",
  description: `RemoteAgents in one process (${SIZES.join(" and ")} agents, heartbeats every ${HEARTBEAT_MS / 1000} s, ${WINDOW_MS / 1000} s window, ${MESSAGES} messages through the A2A proxy) against the emulator in a child process; each configuration in a fresh process with fresh workspaces, ${ROUNDS} runs of each below 10,000 agents (1 at 10,000).`,
  rounds: ROUNDS,
  figures: [...ourResults.flatMap(figures), ...slopes(ourResults), ...pythonFigures],
  notes: [
    "RSS growth per agent: (RSS at the end of the window - RSS before the first agent) / agents, both after GC, the baseline taken after one warm-up agent of the same configuration ran (first-use costs such as undici's parser and compiled code are not per agent).",
    "Heartbeat lateness: every gap between an agent's consecutive heartbeats during the window (and from the window's start to its first one, and from its last one to the end) minus the interval; 0 when on time.",
    PYTHON_SDK === undefined
      ? "The Python SDK side was skipped: BENCH_PYTHON_SDK (a checkout of the Python reference SDK) was not set."
      : `Beside the Python SDK (BENCH_PYTHON_SDK=${PYTHON_SDK}; its start-ups: ${pythonStarts.join("; ")}): at 1,000 agents every round also runs the same fleet on it (fleet-python.py: one thread per agent, RemoteAgentClient.run_agent_loop with PollDelivery at the same cadence; RSS from /proc/self/status after gc.collect(), the baseline after a warm-up agent, as ours), in the same run, the sides' order rotated each round.`,
    "The 46 KiB goal is the Python reference SDK's RSS growth per agent (thread per agent, run_heartbeat_loop: heartbeat + state check every 5 s) measured beside ours for issue 20, not run here; heartbeat-only and lightest do the same work per agent.",
    'Messages are sent only to fleets with a delivery (not to delivery: "none").',
    "V8 young generation: the growth of V8's new space, part of the RSS growth (nothing is subtracted). V8 doubles it while the bytes surviving its minor collections since the last doubling exceed its size (up to its limit, --max-semi-space-size; --optimize-for-size keeps it small), once per process, not per agent: it is why the per-agent figure at 1,000 agents is higher than the RSS per additional agent between 1,000 and 10,000.",
    "RSS per additional agent: (median process RSS at the larger size - at the smaller) / the difference in agents, same configuration, separate processes.",
    "Runs: V8 sizes the young generation from what survives its scavenges while the agents start, so the same build lands on one side or the other of a doubling from run to run; a goal is judged on the worst run, and the median is printed beside it.",
  ],
});
