// conversation-load: conversations under load. 100 concurrent `callPeer` conversations between
// two default agents (poll delivery woken by the event stream) through the emulator, each agent and
// the emulator in its own process. A first pair of agents starts with the emulator and warms it
// (its first 5 rounds are shown for information: the emulator's own cold start is in them); then
// each measured pair starts together in fresh processes (as after a deploy or a scale-out, the
// platform already running) and is measured from its very first round: 5 rounds, none
// uncounted (the case users meet: modules just loaded, code not yet optimised by V8, connection
// pools and event streams just opened); then, after 26 more uncounted rounds, 10 rounds still
// warming (shown for information: V8 is still optimising, CPU per round trip keeps falling for
// about 150 rounds more); then, from round 251, 50 warm rounds (a running agent's steady state).
// The asking agent is conversation-load-asker.ts (it also generates the load: that work is in its
// CPU), the answering agent conversation-peer.ts. Reports, from start and warm, the round trip's
// p50 and p99 over all conversations and the two agents' CPU time per round trip (user + system,
// both processes), and, for information, the emulator's (Linux: from /proc; its single event loop
// is on every round trip's path).
// The peer is the same conversations with no SDK (conversation-floor.ts: the protocol's requests
// and events on undici's request(), nothing else), a fresh pair measured the same way, bounded at
// the same widths as ours (issue 88): at most 4 answers produced at once and 8 replies in flight
// per agent, RemoteAgent's defaults `concurrency: 4` and `replyConcurrency: 8`, so the ratio is
// the SDK's own cost, not its bounds.
// Every round alternates between the sides (ours, ours with store: memoryStore() to show what the
// default store costs, the bare pair at 4/8, the bare pair unbounded as before issue 88, for
// information), the order rotated each round (BENCH_MEMORY_SIDE=0 leaves the memory-store side
// out, BENCH_UNBOUNDED_SIDE=0 the unbounded bare pair; BENCH_AGENT_CONCURRENCY and
// BENCH_AGENT_REPLY_CONCURRENCY set the answering agent's widths, and the bare pair's with them).
// Targets (issue 60), judged from start and warm (rounds 251-300) on the paired ratio to the bare
// pair: p99 <= 1.1x at 100 concurrent, agents' CPU per round trip <= 1.1x, no conversation lost.
// Run: ./dev bench conversation-load  (env: BENCH_COLD_ROUNDS 5, BENCH_WARMUP_ROUNDS 26,
// BENCH_EARLY_ROUNDS 10 (still warming), BENCH_WARM_FROM 251, BENCH_ROUNDS 50 (warm),
// BENCH_EMULATOR_WARMUP_ROUNDS 20, BENCH_CONCURRENCY 100;
// BENCH_AGENT_NODE_ARGS (space-separated) adds Node flags to the measured pair's agents, e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile what their first rounds pay;
// BENCH_ROUND_MARKS=<file> has the asker append each round's start and end to it, so
// `node bench/src/profile-rounds.ts /tmp/prof <file>` can cut the profiles into round 1, rounds
// 2-5 and the warm rounds; BENCH_PROFILE_DIR=<dir> profiles every measured side at once, each in
// <dir>/<side> with its marks in <dir>/<side>/marks (`profile-rounds.ts <dir>/bare <dir>/bare/marks`),
// sampling every BENCH_PROFILE_INTERVAL_US microseconds (Node's default: 1000);
// BENCH_COUNT_REQUESTS=1 has each agent print the requests it made, by route, when it stops)
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { pairedRatios, percentile } from "./harness/stats.ts";
import type { Figure } from "./harness/types.ts";

const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 5);
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 26);
const EARLY_ROUNDS = Number(process.env.BENCH_EARLY_ROUNDS ?? 10);
const WARM_FROM = Number(process.env.BENCH_WARM_FROM ?? 251);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
/** Uncounted rounds between the still-warming window and the warm one. */
const SETTLE_ROUNDS = Math.max(0, WARM_FROM - 1 - (COLD_ROUNDS + WARMUP_ROUNDS + EARLY_ROUNDS));
const EMULATOR_WARMUP_ROUNDS = Number(process.env.BENCH_EMULATOR_WARMUP_ROUNDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const AGENT_NODE_ARGS = (process.env.BENCH_AGENT_NODE_ARGS ?? "").split(" ").filter(Boolean);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const INTERVAL_US = process.env.BENCH_PROFILE_INTERVAL_US;

/** How a measured side's agents run: Node flags and environment (see BENCH_PROFILE_DIR). */
interface Measuring {
  nodeArgs: string[];
  env: Record<string, string>;
}

/** The flags and environment of a measured side's agents. */
function measuring(side: Side): Measuring {
  if (PROFILE_DIR === undefined) {
    // BENCH_AGENT_NODE_ARGS and BENCH_ROUND_MARKS: our default pair only.
    return side === "ours"
      ? { nodeArgs: AGENT_NODE_ARGS, env: {} }
      : { nodeArgs: [], env: { BENCH_ROUND_MARKS: "" } };
  }
  const dir = join(PROFILE_DIR, side);
  mkdirSync(dir, { recursive: true });
  return {
    nodeArgs: [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      ...(INTERVAL_US ? [`--cpu-prof-interval=${INTERVAL_US}`] : []),
    ],
    env: { BENCH_ROUND_MARKS: join(dir, "marks") },
  };
}

const emu = await spawnEmulator();
/** The default store's folder of every agent of this run (removed at the end). */
const stateDir = await mkdtemp(join(tmpdir(), "conversation-load-"));
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });

/** Sends `msg` to `child` and resolves with its first reply that has `key`. */
async function ask<T>(child: ChildProcess, msg: object, key: string): Promise<T> {
  return await new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (m[key] === undefined) return;
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
    child.send(msg);
  });
}

/** An agent's CPU time so far, in ms (asked over IPC). */
async function childCpuMs(child: ChildProcess): Promise<number> {
  const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>(child, { cpu: true }, "cpu");
  return (cpu.user + cpu.system) / 1000;
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

/** Forks an agent script with the emulator's address and its workspace; resolves once it is ready. */
async function startAgent(
  script: string,
  ws: { id: string; token?: string },
  env: Record<string, string>,
  nodeArgs: string[],
): Promise<ChildProcess> {
  const child = fork(join(import.meta.dirname, script), [], {
    execArgv: [...process.execArgv, ...nodeArgs],
    env: {
      ...process.env,
      ...env,
      BENCH_EMULATOR_URL: emu.url,
      BENCH_WORKSPACE_ID: ws.id,
      BENCH_WORKSPACE_TOKEN: ws.token!,
      MOLECULE_STATE_DIR: stateDir,
    },
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    child.on("message", (m: { ready?: boolean }) => m.ready && resolve());
  });
  return child;
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((res) => child.once("exit", res));
  child.kill("SIGTERM");
  await exited;
}

/** Every agent process started, so `finally` stops them all. */
const running: ChildProcess[] = [];

/**
 * The measured sides: our two default agents (default store: files in MOLECULE_STATE_DIR), the
 * same agents given `store: memoryStore()` (what the default store costs), the bare pair at our
 * default widths, and the bare pair unbounded (the comparison before issue 88).
 */
type Side = "ours" | "memory" | "bare" | "unbounded";
const SIDES: readonly Side[] = [
  "ours",
  ...(process.env.BENCH_MEMORY_SIDE === "0" ? [] : (["memory"] as const)),
  "bare",
  ...(process.env.BENCH_UNBOUNDED_SIDE === "0" ? [] : (["unbounded"] as const)),
];
/**
 * The widths of our answering agent (`concurrency`, `replyConcurrency`: RemoteAgent's defaults 4
 * and 8, or BENCH_AGENT_CONCURRENCY and BENCH_AGENT_REPLY_CONCURRENCY), the bare pair's bounds.
 */
const HANDLER_WIDTH = Number(process.env.BENCH_AGENT_CONCURRENCY || 4);
const REPLY_WIDTH = Number(process.env.BENCH_AGENT_REPLY_CONCURRENCY || 8);
const DEFAULT_WIDTHS = HANDLER_WIDTH === 4 && REPLY_WIDTH === 8;

/**
 * Creates an asker's and an answerer's workspace and starts both agents of `side` at once (as
 * after a deploy); resolves with `[answerer, asker]` once both are ready.
 */
async function startPair(
  name: string,
  side: Side,
  how: Measuring = { nodeArgs: [], env: { BENCH_ROUND_MARKS: "" } },
): Promise<ChildProcess[]> {
  const b = await admin.createExternalWorkspace({ name: `${name}-answerer` });
  const a = await admin.createExternalWorkspace({ name: `${name}-asker` });
  const { nodeArgs } = how;
  const store: Record<string, string> = {
    ...(side === "memory" ? { BENCH_AGENT_STORE: "memory" } : {}),
    ...how.env,
  };
  const widths = side === "unbounded" ? "0" : `${HANDLER_WIDTH}/${REPLY_WIDTH}`;
  const started = await Promise.allSettled(
    side === "bare" || side === "unbounded"
      ? [
          startAgent(
            "conversation-floor.ts",
            b,
            { BENCH_FLOOR_ROLE: "answerer", BENCH_FLOOR_WIDTHS: widths, ...store },
            nodeArgs,
          ),
          startAgent(
            "conversation-floor.ts",
            a,
            {
              BENCH_FLOOR_ROLE: "asker",
              BENCH_PEER_ID: b.id,
              BENCH_FLOOR_WIDTHS: widths,
              ...store,
            },
            nodeArgs,
          ),
        ]
      : [
          startAgent("conversation-peer.ts", b, { BENCH_EVENT_WAKEUPS: "1", ...store }, nodeArgs),
          startAgent("conversation-load-asker.ts", a, { BENCH_PEER_ID: b.id, ...store }, nodeArgs),
        ],
  );
  for (const s of started) if (s.status === "fulfilled") running.push(s.value);
  return started.map((s) => {
    if (s.status === "rejected") throw s.reason;
    return s.value;
  });
}

/** What some rounds measured: round trips, agents' CPU, the emulator's CPU. */
interface Measured {
  /** Every round trip of these rounds (ms). */
  all: number[];
  /** The first round's round trips (ms). */
  first: number[];
  /** Agents' CPU per round trip of each round (ms). */
  cpuPerTrip: number[];
  /** Each round's p99 (ms). */
  p99PerRound: number[];
  /** Agents' CPU over all these rounds (ms). */
  cpuMs: number;
  emuCpuMs: number;
  /** Conversations with no or a wrong answer. */
  failures: number;
}
const measured = (): Measured => ({
  all: [],
  first: [],
  cpuPerTrip: [],
  p99PerRound: [],
  cpuMs: 0,
  emuCpuMs: 0,
  failures: 0,
});
let measuredRounds = 0;
/** Runs one round of CONCURRENCY conversations at once on `pair`, adds it to `m`. */
async function oneRound(
  [answerer, asker]: ChildProcess[],
  m: Measured,
  label: string,
): Promise<void> {
  const agentsCpuMs = async () => (await childCpuMs(asker!)) + (await childCpuMs(answerer!));
  const cpu0 = await agentsCpuMs();
  const emu0 = emulatorCpuMs();
  const r = await ask<{ ms: number[]; failures: number }>(
    asker!,
    { round: measuredRounds++, n: CONCURRENCY },
    "ms",
  );
  const emuMs = emulatorCpuMs() - emu0;
  m.emuCpuMs += emuMs;
  const cpu = (await agentsCpuMs()) - cpu0;
  m.failures += r.failures;
  if (m.cpuPerTrip.length === 0) m.first = r.ms;
  m.all.push(...r.ms);
  m.cpuMs += cpu;
  m.cpuPerTrip.push(cpu / CONCURRENCY);
  m.p99PerRound.push(percentile(r.ms, 99));
  if (label)
    console.log(
      `  ${label} round ${m.cpuPerTrip.length}: ${CONCURRENCY} at once, p50 ${percentile(r.ms, 50).toFixed(1)} ms, p99 ${percentile(r.ms, 99).toFixed(1)} ms, CPU ${(cpu / CONCURRENCY).toFixed(2)} ms per round trip (emulator ${(emuMs / CONCURRENCY).toFixed(2)})`,
    );
}

/** Runs `n` rounds of one pair (the emulator's warm-up pair). */
async function rounds(pair: ChildProcess[], n: number, label: string): Promise<Measured> {
  const m = measured();
  for (let round = 0; round < n; round++) await oneRound(pair, m, label);
  return m;
}

/**
 * Runs `n` rounds of every side, the sides' order rotated each round (`runRounds`), so round i of
 * each side is measured under the same load, seconds apart.
 */
async function alternating(
  pairs: Record<Side, ChildProcess[]>,
  n: number,
  label: string,
): Promise<Record<Side, Measured>> {
  const out = Object.fromEntries(SIDES.map((s) => [s, measured()])) as Record<Side, Measured>;
  await runRounds(SIDES, n, async (side) => {
    await oneRound(pairs[side], out[side], label && `${side} ${label}`);
  });
  return out;
}

/** What each side measured: from start, still warming, warm, and its failures in all its rounds. */
interface Schedule {
  cold: Measured;
  early: Measured;
  warm: Measured;
  failures: number;
}
/** Runs every side's rounds, alternating: from start, uncounted, still warming, uncounted, warm. */
async function schedule(pairs: Record<Side, ChildProcess[]>): Promise<Record<Side, Schedule>> {
  const cold = await alternating(pairs, COLD_ROUNDS, "from start:");
  // Uncounted rounds are not measured, but their answers are still checked.
  const warming = await alternating(pairs, WARMUP_ROUNDS, "");
  const early = await alternating(pairs, EARLY_ROUNDS, "still warming:");
  const settling = await alternating(pairs, SETTLE_ROUNDS, "");
  const warm = await alternating(pairs, ROUNDS, "warm:");
  return Object.fromEntries(
    SIDES.map((s) => [
      s,
      {
        cold: cold[s],
        early: early[s],
        warm: warm[s],
        failures: [cold, warming, early, settling, warm].reduce((n, m) => n + m[s].failures, 0),
      },
    ]),
  ) as Record<Side, Schedule>;
}

/**
 * What the default store costs: our default agents beside the same agents given
 * `store: memoryStore()` (nothing written to disk), from start and warm; informational.
 */
function storeFigures(
  ours: string,
  o: { cold: Measured; warm: Measured },
  mem: Schedule,
): Figure[] {
  const peer =
    "our same two agents given store: memoryStore() (state in memory, nothing written to disk), fresh processes started with ours, every round alternating with ours";
  const of = `${ours}, default store (files in MOLECULE_STATE_DIR)`;
  return [
    {
      figure: "the default store's cost: agents' CPU time per round trip, from start",
      ours: of,
      peer,
      unit: "ms",
      oursValue: o.cold.cpuMs / (COLD_ROUNDS * CONCURRENCY),
      peerValue: mem.cold.cpuMs / (COLD_ROUNDS * CONCURRENCY),
      ratio: pairedRatios(o.cold.cpuPerTrip, mem.cold.cpuPerTrip),
    },
    {
      figure: "the default store's cost: agents' CPU time per round trip, warm (median of rounds)",
      ours: of,
      peer,
      unit: "ms",
      oursValue: percentile(o.warm.cpuPerTrip, 50),
      peerValue: percentile(mem.warm.cpuPerTrip, 50),
      ratio: pairedRatios(o.warm.cpuPerTrip, mem.warm.cpuPerTrip),
    },
    {
      figure: `the default store's cost: round trip at ${CONCURRENCY} concurrent, p99, warm`,
      ours: of,
      peer,
      unit: "ms",
      oursValue: percentile(o.warm.all, 99),
      peerValue: percentile(mem.warm.all, 99),
      ratio: pairedRatios(o.warm.p99PerRound, mem.warm.p99PerRound),
    },
  ];
}

try {
  // The emulator's own first rounds: a first pair of agents, started with the emulator, warms it
  // (a platform runs long before an agent starts); its first rounds are shown for information.
  const first = await startPair("load-first", "ours");
  const emulatorCold = await rounds(first, COLD_ROUNDS, "first pair, emulator also just started:");
  const emulatorWarming = await rounds(first, EMULATOR_WARMUP_ROUNDS, "");
  await Promise.all(first.map(stopAgent));
  // The measured pairs: fresh processes against the running emulator, each pair's two started
  // together, measured from their first round, every round alternating between the sides.
  const pairs = {} as Record<Side, ChildProcess[]>;
  for (const side of SIDES) {
    pairs[side] = await startPair(`load-${side}`, side, measuring(side));
  }
  const all = await schedule(pairs);
  await Promise.all(Object.values(pairs).flat().map(stopAgent));
  const { cold, early, warm } = all.ours;
  const { cold: bareCold, early: bareEarly, warm: bareWarm } = all.bare;
  const mem = all.memory;
  const unbounded = all.unbounded;
  const failures =
    emulatorCold.failures + emulatorWarming.failures + all.ours.failures + (mem?.failures ?? 0);
  const bare =
    "the same conversations with no SDK: two processes speaking the protocol on undici's request() (register for poll, event stream, read the inbox after a cursor on each inbound event, reply through the A2A proxy; no validation, de-duplication, journal, tracing or retries)";
  const alongside = "fresh processes started with ours, every round alternating with ours";
  const peer = `${bare}, at ours' widths ${HANDLER_WIDTH}/${REPLY_WIDTH} (at most ${HANDLER_WIDTH} answers produced at once, ${REPLY_WIDTH} replies in flight per agent), ${alongside}`;
  const unboundedPeer = `${bare}, unbounded (every answer produced and sent at once: the peer before issue 88), ${alongside}`;
  const ours = `two ${DEFAULT_WIDTHS ? "default " : ""}RemoteAgents (widths ${HANDLER_WIDTH}/${REPLY_WIDTH}: concurrency ${HANDLER_WIDTH}, replyConcurrency ${REPLY_WIDTH}), ${CONCURRENCY} concurrent callPeer conversations`;
  const fromStart = `${ours}, both agents just started: their first ${COLD_ROUNDS} rounds, none uncounted`;
  const earlyFrom = COLD_ROUNDS + WARMUP_ROUNDS + 1;
  const earlyOurs = `${ours}, still warming: rounds ${earlyFrom} to ${earlyFrom + EARLY_ROUNDS - 1}`;
  const warmFrom = earlyFrom + EARLY_ROUNDS + SETTLE_ROUNDS;
  const warmOurs = `${ours}, warm: rounds ${warmFrom} to ${warmFrom + ROUNDS - 1}`;
  // Issue 60: the targets are the floor, the bare pair measured in the same run (issue 50's fixed
  // 50 ms and 0.25 ms are below what the bare protocol itself costs on Node here).
  const p99 = { on: "ratio", op: "<=", value: 1.1 } as const;
  const cpuTarget = { on: "ratio", op: "<=", value: 1.1 } as const;
  await writeResult({
    name: "conversation-load",
    description: `Ask -> answer round trips under load: ${CONCURRENCY} concurrent \`RemoteAgent#callPeer\` calls awaiting a poll-delivered peer's answer, between two default agents through the emulator (each in its own process); after a first pair has warmed the emulator, both agents start together and are measured from their first round (${COLD_ROUNDS} rounds, none uncounted), then ${EARLY_ROUNDS} rounds still warming (from round ${COLD_ROUNDS + WARMUP_ROUNDS + 1}) and ${ROUNDS} warm rounds (from round ${WARM_FROM}); the targets are judged from start and warm. Beside the same conversations with no SDK (a bare pair on undici, measured the same way) and, for what the default store costs, the same agents given store: memoryStore(); every round alternates between the sides.`,
    rounds: COLD_ROUNDS + EARLY_ROUNDS + ROUNDS,
    figures: [
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p50, from start`,
        ours: fromStart,
        peer: "none",
        unit: "ms",
        oursValue: percentile(cold.all, 50),
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99, from start`,
        ours: fromStart,
        peer,
        unit: "ms",
        oursValue: percentile(cold.all, 99),
        peerValue: percentile(bareCold.all, 99),
        ratio: pairedRatios(cold.p99PerRound, bareCold.p99PerRound),
        target: p99,
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99, first round alone`,
        ours: fromStart,
        peer: "none",
        unit: "ms",
        oursValue: percentile(cold.first, 99),
      },
      {
        figure: `agents' CPU time per round trip, from start (both agents, all ${COLD_ROUNDS} rounds)`,
        ours: fromStart,
        peer,
        unit: "ms",
        oursValue: cold.cpuMs / (COLD_ROUNDS * CONCURRENCY),
        peerValue: bareCold.cpuMs / (COLD_ROUNDS * CONCURRENCY),
        ratio: pairedRatios(cold.cpuPerTrip, bareCold.cpuPerTrip),
        target: cpuTarget,
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p50, warm`,
        ours: warmOurs,
        peer: "none",
        unit: "ms",
        oursValue: percentile(warm.all, 50),
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99, warm`,
        ours: warmOurs,
        peer,
        unit: "ms",
        oursValue: percentile(warm.all, 99),
        peerValue: percentile(bareWarm.all, 99),
        ratio: pairedRatios(warm.p99PerRound, bareWarm.p99PerRound),
        target: p99,
      },
      {
        figure: "agents' CPU time per round trip, warm (both agents, median of rounds)",
        ours: warmOurs,
        peer,
        unit: "ms",
        oursValue: percentile(warm.cpuPerTrip, 50),
        peerValue: percentile(bareWarm.cpuPerTrip, 50),
        ratio: pairedRatios(warm.cpuPerTrip, bareWarm.cpuPerTrip),
        target: cpuTarget,
      },
      {
        figure: "emulator's CPU time per round trip, warm (all warm rounds)",
        ours: warmOurs,
        peer: "none",
        unit: "ms",
        oursValue: warm.emuCpuMs / (ROUNDS * CONCURRENCY),
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99, still warming`,
        ours: earlyOurs,
        peer,
        unit: "ms",
        oursValue: percentile(early.all, 99),
        peerValue: percentile(bareEarly.all, 99),
        ratio: pairedRatios(early.p99PerRound, bareEarly.p99PerRound),
      },
      {
        figure: "agents' CPU time per round trip, still warming (both agents, median of rounds)",
        ours: earlyOurs,
        peer,
        unit: "ms",
        oursValue: percentile(early.cpuPerTrip, 50),
        peerValue: percentile(bareEarly.cpuPerTrip, 50),
        ratio: pairedRatios(early.cpuPerTrip, bareEarly.cpuPerTrip),
      },
      {
        figure: `round trip at ${CONCURRENCY} concurrent, p99, from start, emulator also just started`,
        ours: `a first pair of the same agents, started with the emulator: their first ${COLD_ROUNDS} rounds`,
        peer: "none",
        unit: "ms",
        oursValue: percentile(emulatorCold.all, 99),
      },
      {
        figure: `agents' CPU time per round trip, from start, emulator also just started (all ${COLD_ROUNDS} rounds)`,
        ours: `a first pair of the same agents, started with the emulator: their first ${COLD_ROUNDS} rounds`,
        peer: "none",
        unit: "ms",
        oursValue: emulatorCold.cpuMs / (COLD_ROUNDS * CONCURRENCY),
      },
      ...(mem === undefined ? [] : storeFigures(ours, { cold, warm }, mem)),
      ...(unbounded === undefined
        ? []
        : [
            {
              figure:
                "agents' CPU time per round trip, warm, beside the unbounded bare pair (median of rounds)",
              ours: warmOurs,
              peer: unboundedPeer,
              unit: "ms",
              oursValue: percentile(warm.cpuPerTrip, 50),
              peerValue: percentile(unbounded.warm.cpuPerTrip, 50),
              ratio: pairedRatios(warm.cpuPerTrip, unbounded.warm.cpuPerTrip),
            },
            {
              figure: `round trip at ${CONCURRENCY} concurrent, p99, warm, beside the unbounded bare pair`,
              ours: warmOurs,
              peer: unboundedPeer,
              unit: "ms",
              oursValue: percentile(warm.all, 99),
              peerValue: percentile(unbounded.warm.all, 99),
              ratio: pairedRatios(warm.p99PerRound, unbounded.warm.p99PerRound),
            },
          ]),
      {
        figure: "failed conversations (no or wrong answer), the bare pairs, all rounds",
        ours: peer,
        peer: "none",
        unit: "conversations",
        oursValue: all.bare.failures + (unbounded?.failures ?? 0),
      },
      {
        figure: "failed conversations (no or wrong answer), all rounds of our pairs",
        ours,
        peer: "none",
        unit: "conversations",
        oursValue: failures,
        target: { on: "ours", op: "<=", value: 0 },
      },
    ],
    notes: [
      `Every round alternates between the sides (${SIDES.join(", ")}), the order rotated each round, so round i of each side runs under the same machine load, seconds apart; each side's pair is fresh processes started just before round 1, its two agents together.`,
      `From start: both agents are started together in fresh processes against an emulator a first pair of agents has already run ${COLD_ROUNDS + EMULATOR_WARMUP_ROUNDS} rounds through (that pair's first ${COLD_ROUNDS} rounds, with the emulator just started too, are the "emulator also just started" figures); round 1 begins as soon as both report ready (started, event stream connected), and all of rounds 1 to ${COLD_ROUNDS} are counted. CPU from start is all the agents' CPU over those rounds divided by their round trips (the first round included); per-round CPU from start: ${cold.cpuPerTrip.map((c) => c.toFixed(2)).join(", ")} ms.`,
      `Still warming: rounds ${earlyFrom} to ${earlyFrom + EARLY_ROUNDS - 1} (the benchmark's warm window until 2026-11-24, shown for information: V8 is still optimising there, and CPU per round trip keeps falling until about round 150). Warm: rounds ${warmFrom} to ${warmFrom + ROUNDS - 1} of the same agents, a running agent's steady state.`,
      `The peer (bare undici) is a fresh pair of processes at ours' widths (issue 88: at most ${HANDLER_WIDTH} answers produced at once, ${REPLY_WIDTH} replies in flight per agent; the unbounded bare pair of before is a side of its own, for information), measured the same way (the same rounds); ratios pair round i of ours with round i of the bare pair (each round's p99, each round's CPU per round trip); per-round CPU from start of the bare pair: ${bareCold.cpuPerTrip.map((c) => c.toFixed(2)).join(", ")} ms.`,
      "CPU time is user + system of the asking process (which also generates the load) and the answering process, per round trip; the emulator's own CPU is not counted in it but shown apart (read from /proc in 10 ms ticks; NaN off Linux).",
    ],
  });
} finally {
  await Promise.all(running.map(stopAgent));
  await admin.close();
  const emuExited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await emuExited;
  // BENCH_KEEP_STATE=1 keeps the agents' state files (their journals) to look at.
  if (process.env.BENCH_KEEP_STATE === "1") console.log(`state files kept in ${stateDir}`);
  else await rm(stateDir, { recursive: true, force: true });
}
