// conversation-load: conversations under load. 100 concurrent `agent.callPeer` conversations
// between two default agents (poll delivery woken by the event stream) through the emulator, each
// agent and the emulator in its own process; 10 rounds just after start (one warm-up round: the
// code is not yet optimised by V8, reported for information) and 10 rounds once warm (after 20
// more uncounted rounds: a running agent's steady state, which the targets are judged on). The
// asking agent runs here (this process
// is also the load generator: its work is the asking agent's); the answering agent is
// conversation-peer.ts. Reports the round trip's p50 and p99 over all conversations and the two
// agents' CPU time per round trip (user + system, both processes), and, for information, the
// emulator's (Linux: from /proc; its single event loop is on every round trip's path).
// Targets: p99 <= 50 ms at 100 concurrent, no conversation lost.
// Run: ./dev bench conversation-load  (env: BENCH_ROUNDS 10, BENCH_WARMUP_ROUNDS 20,
// BENCH_CONCURRENCY 100)
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { percentile } from "./harness/stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);

const emu = await spawnEmulator();
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });

/** The answering agent's CPU time so far, in ms (asked over IPC). */
async function childCpuMs(child: ChildProcess): Promise<number> {
  return await new Promise((resolve) => {
    const on = (m: { cpu?: NodeJS.CpuUsage }) => {
      if (!m.cpu) return;
      child.off("message", on);
      resolve((m.cpu.user + m.cpu.system) / 1000);
    };
    child.on("message", on);
    child.send({ cpu: true });
  });
}

/** The emulator's CPU time so far in ms (user + system, /proc, 10 ms ticks), or NaN off Linux. */
function emulatorCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/${emu.child.pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd (state) on
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, USER_HZ ticks
  } catch {
    return Number.NaN;
  }
}

const ownCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const b = await admin.createExternalWorkspace({ name: "load-answerer" });
const a = await admin.createExternalWorkspace({ name: "load-asker" });
const child = fork(join(import.meta.dirname, "conversation-peer.ts"), [], {
  env: {
    ...process.env,
    BENCH_EMULATOR_URL: emu.url,
    BENCH_WORKSPACE_ID: b.id,
    BENCH_WORKSPACE_TOKEN: b.token!,
    BENCH_EVENT_WAKEUPS: "1",
  },
});
await new Promise<void>((resolve, reject) => {
  child.once("exit", (code) => reject(new Error(`answerer exited with ${code}`)));
  child.on("message", (m: { ready?: boolean }) => m.ready && resolve());
});
const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
let onConnected!: () => void;
const connected = new Promise<void>((resolve) => (onConnected = resolve));
const asker = new RemoteAgent({
  client,
  handler: () => undefined,
  logger: {
    debug: (msg, meta) => {
      if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
    },
  },
});
await asker.start();
await connected;

let failures = 0;
/** Round trips (ms), CPU per round trip of each round, and the emulator's CPU of some rounds. */
interface Measured {
  all: number[];
  cpuPerTrip: number[];
  emuCpuMs: number;
}
let measuredRounds = 0;
async function rounds(n: number, label: string): Promise<Measured> {
  const m: Measured = { all: [], cpuPerTrip: [], emuCpuMs: 0 };
  for (let round = 0; round < n; round++) {
    const cpu0 = ownCpuMs() + (await childCpuMs(child));
    const emu0 = emulatorCpuMs();
    const tag = measuredRounds++;
    const xs = await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, i) => {
        const q = `r${tag}q${i}`;
        const t0 = performance.now();
        const r = await asker.callPeer(b.id, q, { timeoutMs: 30_000 }).catch(() => undefined);
        const ms = performance.now() - t0;
        if (r?.status !== "completed" || r.text !== `answer:${q}`) failures++;
        return ms;
      }),
    );
    m.emuCpuMs += emulatorCpuMs() - emu0;
    const cpu = ownCpuMs() + (await childCpuMs(child)) - cpu0;
    m.all.push(...xs);
    m.cpuPerTrip.push(cpu / CONCURRENCY);
    if (label)
      console.log(
        `  ${label} round ${round + 1}: ${CONCURRENCY} at once, p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, CPU ${(cpu / CONCURRENCY).toFixed(2)} ms per round trip`,
      );
  }
  return m;
}
try {
  // One warm-up round, not counted.
  await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) => asker.callPeer(b.id, `w${i}`).catch(() => 0)),
  );
  const cold = await rounds(ROUNDS, "just started:");
  await rounds(WARMUP_ROUNDS, ""); // not counted (their answers are still checked)
  const { all, cpuPerTrip, emuCpuMs } = await rounds(ROUNDS, "warm:");
  const ours = `two default RemoteAgents, ${CONCURRENCY} concurrent callPeer conversations`;
  await writeResult({
    name: "conversation-load",
    description: `Ask -> answer round trips under load: ${CONCURRENCY} concurrent \`RemoteAgent#callPeer\` calls awaiting a poll-delivered peer's answer, between two default agents through the emulator (each in its own process); ${ROUNDS} rounds just after start (after one warm-up round), then ${ROUNDS} rounds once warm (after ${WARMUP_ROUNDS} more); the targets are judged on the warm rounds.`,
    rounds: ROUNDS,
    figures: [
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p50`,
        ours,
        peer: "none",
        unit: "ms",
        oursValue: percentile(all, 50),
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99`,
        ours,
        peer: "none",
        unit: "ms",
        oursValue: percentile(all, 99),
        target: { on: "ours", op: "<=", value: 50 },
      },
      {
        figure: "agents' CPU time per round trip (both agents, median of rounds)",
        ours,
        peer: "none",
        unit: "ms",
        oursValue: percentile(cpuPerTrip, 50),
      },
      {
        figure: "emulator's CPU time per round trip (all rounds)",
        ours,
        peer: "none",
        unit: "ms",
        oursValue: emuCpuMs / (ROUNDS * CONCURRENCY),
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99, just after start`,
        ours: `${ours}, the ${ROUNDS} rounds after one warm-up round`,
        peer: "none",
        unit: "ms",
        oursValue: percentile(cold.all, 99),
      },
      {
        figure: "agents' CPU time per round trip, just after start (median of rounds)",
        ours: `${ours}, the ${ROUNDS} rounds after one warm-up round`,
        peer: "none",
        unit: "ms",
        oursValue: percentile(cold.cpuPerTrip, 50),
      },
      {
        figure: "failed conversations (no or wrong answer), all rounds",
        ours,
        peer: "none",
        unit: "conversations",
        oursValue: failures,
        target: { on: "ours", op: "<=", value: 0 },
      },
    ],
    notes: [
      `The warm figures (the first four) are the last ${ROUNDS} of ${1 + 2 * ROUNDS + WARMUP_ROUNDS} rounds, when V8 has optimised the code a running agent runs; the "just after start" figures are rounds 2 to ${ROUNDS + 1}.`,
      "CPU time is user + system of the asking process (which also generates the load) and the answering process, per round trip; the emulator's own CPU is not counted in it but shown apart (read from /proc in 10 ms ticks, summed over all rounds; NaN off Linux).",
    ],
  });
} finally {
  const exited = new Promise((res) => child.once("exit", res));
  child.kill("SIGTERM");
  await exited;
  await asker.stop();
  await client.close();
  await admin.close();
  const emuExited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await emuExited;
}
