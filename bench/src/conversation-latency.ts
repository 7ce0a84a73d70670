// conversation-latency: ask -> answer round trip between two default agents through the emulator.
// The asking agent (this process, the load generator) calls `agent.callPeer(peer, question)`; the
// answering agent (conversation-peer.ts, its own process) is a default RemoteAgent whose handler
// returns a string; the answer comes back to the asker's inbox and resolves the call. The emulator
// runs in its own process. Two sides, measured in rounds with their order rotated each round:
//   wake: both agents with default settings (poll delivery woken by the SSE event stream);
//   poll: both the same agents with wake-ups off, polling every 5 s, the Python reference's
//         cadence. This side is our own agents, not the Python SDK (which cannot await an answer
//         at all): it shows what the exchange costs at that cadence.
// Targets (on our side): p50 <= 10 ms, p99 <= 50 ms, no failed exchange.
// Runtimes: each round also runs conversation-runtime.ts (both agents in one process) on Node, Bun
// and Deno (MOLECULE_BUN / MOLECULE_DENO, set by `./dev bench`), rotated, and reports Bun's and
// Deno's round trip beside Node's measured the same way.
// Run: ./dev bench conversation-latency  (env: BENCH_ROUNDS 4, BENCH_N 50, BENCH_N_POLL 6 per round)
import { fork, spawn } from "node:child_process";
import { join } from "node:path";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { atRandomPhases, runRounds } from "./harness/rounds.ts";
import { median, pairedRatios, percentile } from "./harness/stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const N_WAKE = Number(process.env.BENCH_N ?? 50);
const N_POLL = Number(process.env.BENCH_N_POLL ?? 6);
const POLL_MS = 5_000;

const emu = await spawnEmulator();
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });

interface Side {
  asker: RemoteAgent<PlatformClient>;
  peerId: string;
  stop: () => Promise<void>;
}

/** Starts the answering agent in its own process and the asking agent here. */
async function startSide(name: string, eventWakeups: boolean): Promise<Side> {
  const b = await admin.createExternalWorkspace({ name: `${name}-answerer` });
  const a = await admin.createExternalWorkspace({ name: `${name}-asker` });
  const child = fork(join(import.meta.dirname, "conversation-peer.ts"), [], {
    env: {
      ...process.env,
      BENCH_EMULATOR_URL: emu.url,
      BENCH_WORKSPACE_ID: b.id,
      BENCH_WORKSPACE_TOKEN: b.token!,
      BENCH_EVENT_WAKEUPS: eventWakeups ? "1" : "0",
    },
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} answerer exited with ${code}`)));
    child.on("message", (m: { ready?: boolean }) => m.ready && resolve());
  });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const asker = new RemoteAgent({
    client,
    eventWakeups,
    pollIntervalMs: POLL_MS,
    handler: () => undefined,
    logger: {
      debug: (msg, meta) => {
        if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
      },
    },
  });
  await asker.start();
  if (eventWakeups) await connected;
  return {
    asker,
    peerId: b.id,
    stop: async () => {
      const exited = new Promise((res) => child.once("exit", res));
      child.kill("SIGTERM");
      await exited;
      await asker.stop();
      await client.close();
    },
  };
}

let failures = 0;

type RuntimeName = "node" | "bun" | "deno";
/** The runtimes to compare: Node always, Bun and Deno when `./dev bench` installed them. */
const runtimes: { name: RuntimeName; cmd: string[] }[] = [
  { name: "node", cmd: [process.execPath] },
  ...(process.env.MOLECULE_BUN ? [{ name: "bun" as const, cmd: [process.env.MOLECULE_BUN] }] : []),
  ...(process.env.MOLECULE_DENO
    ? [
        {
          name: "deno" as const,
          cmd: [process.env.MOLECULE_DENO, "run", "--allow-all", "--no-lock"],
        },
      ]
    : []),
];

/** One run of conversation-runtime.ts on `rt`: its round trips in ms (failures counted). */
async function runtimeSide(rt: (typeof runtimes)[number]): Promise<number[]> {
  const [bin, ...args] = rt.cmd;
  const child = spawn(bin!, [...args, join(import.meta.dirname, "conversation-runtime.ts")], {
    env: { ...process.env, BENCH_EMULATOR_URL: emu.url, BENCH_ADMIN_TOKEN: emu.adminToken },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  const code = await new Promise((res) => child.once("exit", res));
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || !line) throw new Error(`${rt.name} side exited ${String(code)}: ${out}`);
  const r = JSON.parse(line.slice(7)) as { ms: number[]; failures: number };
  failures += r.failures;
  return r.ms;
}

/** One exchange: ms from asking to holding the answer; a wrong or missing answer is a failure. */
async function exchange(side: Side, i: number): Promise<number> {
  const t0 = performance.now();
  const r = await side.asker
    .callPeer(side.peerId, `q${i}`, { timeoutMs: 4 * POLL_MS })
    .catch(() => undefined);
  const ms = performance.now() - t0;
  if (r?.status !== "completed" || r.text !== `answer:q${i}`) failures++;
  return ms;
}

const sides = { wake: await startSide("wake", true), poll: await startSide("poll", false) };
const all: Record<"wake" | "poll", number[]> = { wake: [], poll: [] };
try {
  const r = await runRounds(["wake", "poll"] as const, ROUNDS, async (name, round) => {
    let xs: number[];
    if (name === "wake") {
      xs = [];
      for (let i = 0; i < N_WAKE; i++) xs.push(await exchange(sides.wake, i));
    } else {
      xs = await atRandomPhases(N_POLL, POLL_MS, (i) => exchange(sides.poll, i));
    }
    all[name].push(...xs);
    const p50 = percentile(xs, 50);
    console.log(`  round ${round + 1} ${name}: ${xs.length} exchanges, p50 ${p50.toFixed(1)} ms`);
    return { p50 };
  });
  const byRuntime = await runRounds(
    runtimes.map((r) => r.name),
    ROUNDS,
    async (name, round) => {
      const xs = await runtimeSide(runtimes.find((r) => r.name === name)!);
      console.log(
        `  round ${round + 1} ${name}: ${xs.length} exchanges, p50 ${percentile(xs, 50).toFixed(1)} ms`,
      );
      return xs;
    },
  );
  const runtimeFigures = runtimes
    .filter((rt) => rt.name !== "node")
    .map((rt) => ({
      figure: `ask to answer round trip on ${rt.name === "bun" ? "Bun" : "Deno"}, p50 (beside Node)`,
      ours: `both agents in one ${rt.name} process (wake-ups on)`,
      peer: "the same file on Node",
      unit: "ms",
      oursValue: percentile(byRuntime[rt.name].flat(), 50),
      peerValue: percentile(byRuntime.node.flat(), 50),
      ratio: pairedRatios(
        byRuntime[rt.name].map((xs) => percentile(xs, 50)),
        byRuntime.node.map((xs) => percentile(xs, 50)),
      ),
    }));
  const ours =
    "two default RemoteAgents (poll delivery woken by the event stream): callPeer awaits the answer";
  const peer =
    "our same two agents with wake-ups off, each polling every 5 s (the Python reference's cadence)";
  const p50s = (s: "wake" | "poll") => r[s].map((x) => x.p50);
  await writeResult({
    name: "conversation-latency",
    description: `Ask -> answer round trips (\`RemoteAgent#callPeer\` awaiting a poll-delivered peer's answer) between two agents through the emulator, each agent and the emulator in its own process; ${ROUNDS} rounds of ${N_WAKE} sequential exchanges with wake-ups and ${N_POLL} at random times with 5 s polling, order rotated.`,
    rounds: ROUNDS,
    figures: [
      {
        figure: "ask to answer round trip, p50",
        ours,
        peer,
        unit: "ms",
        oursValue: percentile(all.wake, 50),
        peerValue: percentile(all.poll, 50),
        ratio: pairedRatios(p50s("wake"), p50s("poll")),
        target: { on: "ours", op: "<=", value: 10 },
      },
      {
        figure: "ask to answer round trip, p99",
        ours,
        peer: "none",
        unit: "ms",
        oursValue: percentile(all.wake, 99),
        target: { on: "ours", op: "<=", value: 50 },
      },
      {
        figure: "failed exchanges (no or wrong answer), both sides",
        ours,
        peer: "none",
        unit: "exchanges",
        oursValue: failures,
        target: { on: "ours", op: "<=", value: 0 },
      },
      ...runtimeFigures,
    ],
    notes: [
      "the peer side is our own agents with wake-ups off: each hop waits for a poll, so its round trip is set by the 5 s period by construction; the Python SDK cannot await an answer at all (its answer arrives as a new inbound message).",
      `Bun and Deno: conversation-runtime.ts (both agents in one process) run by each runtime, ${ROUNDS} rounds of ${N_WAKE} exchanges, order rotated; Node runs the same file as their reference${runtimes.length < 3 ? " (Bun or Deno not installed: run through ./dev bench)" : ""}.`,
      `absolute values are percentiles over all exchanges of a side; the ratio is the median of per-round p50 ratios (median of round p50s: ${median(p50s("wake")).toFixed(1)} vs ${median(p50s("poll")).toFixed(0)} ms).`,
    ],
  });
} finally {
  await sides.wake.stop();
  await sides.poll.stop();
  await admin.close();
  const exited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await exited;
}
