// inbound-latency: from a peer's `callPeer` through the emulator's A2A proxy to the start of the
// receiving agent's handler. The emulator, each receiving agent (inbound-agent.ts) and this
// process (the calling peers) are separate processes. Two sides, measured in rounds with their
// order rotated each round:
//   wake: RemoteAgent with default settings (poll delivery woken by the SSE event stream);
//   poll: the same RemoteAgent with wake-ups off, polling every 5 s, the Python reference's
//         cadence. This side is our own agent, not the Python SDK: its latency is set by the poll
//         period, so the ratio says what the wake-ups buy, not how fast the reference is.
// Targets (on our side): p50 <= 50 ms, p99 <= 250 ms.
// Dead-caller case, two more sides (both agents answer every message):
//   dead:  the default agent while an unreachable push caller (its registered URL refuses
//          connections) sends to it alongside the healthy peer, so every reply to that caller fails;
//   clean: the same agent and healthy peer without that caller.
// Target: the healthy peer's p50 with the dead caller <= 2x the clean p50 (paired per round).
// Run: ./dev bench inbound-latency   (env: BENCH_ROUNDS 4, BENCH_N 50 and BENCH_N_POLL 10 per round)
import { fork } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { PlatformClient } from "@molecule-ai/agent-core";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { atRandomPhases, runRounds } from "./harness/rounds.ts";
import { median, pairedRatios, percentile } from "./harness/stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const N_WAKE = Number(process.env.BENCH_N ?? 50);
const N_POLL = Number(process.env.BENCH_N_POLL ?? 10);
const POLL_MS = 5_000; // inbound-agent.ts polls at this period

const emu = await spawnEmulator();
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });

interface Side {
  agentId: string;
  peer: PlatformClient;
  /** Resolves with the epoch ms at which the agent's handler started for a message id. */
  started: (id: string) => Promise<number>;
  stop: () => Promise<void>;
}

/** Starts a receiving agent in its own process (inbound-agent.ts) and a calling peer here. */
async function startSide(name: string, eventWakeups: boolean, reply = false): Promise<Side> {
  const a = await admin.createExternalWorkspace({ name: `${name}-agent` });
  const p = await admin.createExternalWorkspace({ name: `${name}-peer` });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  const child = fork(join(import.meta.dirname, "inbound-agent.ts"), [], {
    env: {
      ...process.env,
      BENCH_EMULATOR_URL: emu.url,
      BENCH_WORKSPACE_ID: a.id,
      BENCH_WORKSPACE_TOKEN: a.token!,
      BENCH_EVENT_WAKEUPS: eventWakeups ? "1" : "0",
      BENCH_REPLY: reply ? "1" : "0",
    },
  });
  const waiters = new Map<string, (at: number) => void>();
  const early = new Map<string, number>();
  const ready = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} agent exited with ${code}`)));
    child.on("message", (m: { ready?: boolean; id?: string; at?: number; replyFailed?: true }) => {
      if (m.ready) resolve();
      if (m.replyFailed) repliesFailed++;
      if (m.id === undefined || m.at === undefined) return;
      const w = waiters.get(m.id);
      if (w) w(m.at);
      else early.set(m.id, m.at);
    });
  });
  await ready;
  return {
    agentId: a.id,
    peer,
    started: (id) => {
      const t = early.get(id);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve) => waiters.set(id, resolve));
    },
    stop: async () => {
      const exited = new Promise((res) => child.once("exit", res));
      child.kill("SIGTERM");
      await exited;
      await peer.close();
    },
  };
}

/** One call: ms from sending to the handler's start. */
async function call(side: Side, i: number): Promise<number> {
  const id = randomUUID();
  const t0 = performance.timeOrigin + performance.now();
  const handled = side.started(id);
  await side.peer.callPeer(side.agentId, `ping ${i}`, { messageId: id });
  return (await handled) - t0;
}

/** A push workspace whose registered URL refuses connections: every reply to it fails. */
async function deadCaller(): Promise<PlatformClient> {
  const d = await admin.createExternalWorkspace({ name: "dead-caller" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: d.id, token: d.token! });
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await client.register({ url: `http://localhost:${port}`, agentCard: { name: "dead" } });
  return client;
}

let deadSent = 0;
let repliesFailed = 0;

/** The healthy peer's sequential calls while `dead` (if given) sends a message every 5 ms. */
async function healthyCalls(side: Side, dead?: PlatformClient): Promise<number[]> {
  const done = new AbortController();
  const background = (async () => {
    if (dead === undefined) return;
    for (let i = 0; ; i++) {
      if (done.signal.aborted) return;
      const sent = await dead
        .callPeer(side.agentId, `from the dead caller ${i}`)
        .catch(() => undefined);
      if (sent) deadSent++;
      await new Promise((res) => setTimeout(res, 5));
    }
  })();
  const xs: number[] = [];
  for (let i = 0; i < N_WAKE; i++) xs.push(await call(side, i));
  done.abort();
  await background;
  return xs;
}

const sides = {
  wake: await startSide("wake", true),
  poll: await startSide("poll", false),
  clean: await startSide("clean", true, true),
  dead: await startSide("dead", true, true),
};
const dead = await deadCaller();
type SideName = keyof typeof sides;
const all: Record<SideName, number[]> = { wake: [], poll: [], clean: [], dead: [] };
try {
  const names = ["wake", "poll", "clean", "dead"] as const;
  const r = await runRounds(names, ROUNDS, async (name, round) => {
    let xs: number[];
    if (name === "clean" || name === "dead") {
      xs = await healthyCalls(sides[name], name === "dead" ? dead : undefined);
    } else if (name === "wake") {
      // Sequential: each call waits for its handler before the next is sent.
      xs = [];
      for (let i = 0; i < N_WAKE; i++) xs.push(await call(sides.wake, i));
    } else {
      xs = await atRandomPhases(N_POLL, POLL_MS, (i) => call(sides.poll, i));
    }
    all[name].push(...xs);
    const p50 = percentile(xs, 50);
    console.log(`  round ${round + 1} ${name}: ${xs.length} calls, p50 ${p50.toFixed(1)} ms`);
    return { p50, p99: percentile(xs, 99) };
  });
  const ours = "RemoteAgent defaults: poll delivery woken by the platform's event stream";
  const peer =
    "our same RemoteAgent with wake-ups off, polling every 5 s (the Python reference's cadence)";
  const p50s = (s: SideName) => r[s].map((x) => x.p50);
  await writeResult({
    name: "inbound-latency",
    description: `Peer \`callPeer\` through the emulator's A2A proxy to the receiving handler's start (emulator, receiving agents and calling peers in separate processes); ${ROUNDS} rounds of ${N_WAKE} sequential calls with wake-ups and ${N_POLL} calls at random times with 5 s polling, plus ${N_WAKE} sequential calls to an answering agent with and without an unreachable push caller sending every 5 ms alongside; order rotated.`,
    rounds: ROUNDS,
    figures: [
      {
        figure: "call to handler start, p50",
        ours,
        peer,
        unit: "ms",
        oursValue: percentile(all.wake, 50),
        peerValue: percentile(all.poll, 50),
        ratio: pairedRatios(p50s("wake"), p50s("poll")),
        target: { on: "ours", op: "<=", value: 50 },
      },
      {
        figure: "call to handler start, p99",
        ours,
        peer: "none",
        unit: "ms",
        oursValue: percentile(all.wake, 99),
        target: { on: "ours", op: "<=", value: 250 },
      },
      {
        figure: "healthy sender's call to handler start, p50, with an unreachable caller",
        ours: "RemoteAgent defaults answering every message while an unreachable push caller sends alongside (its replies fail and retry in the reply outbox)",
        peer: "the same agent and healthy sender without the unreachable caller",
        unit: "ms",
        oursValue: percentile(all.dead, 50),
        peerValue: percentile(all.clean, 50),
        ratio: pairedRatios(p50s("dead"), p50s("clean")),
        target: { on: "ratio", op: "<=", value: 2 },
      },
    ],
    notes: [
      `dead-caller case: the unreachable caller sent ${deadSent} messages over ${ROUNDS} rounds; ${repliesFailed} of the agent's answers to it were dead-lettered as undeliverable (reply_failed) after their retries in the reply outbox by the time the figures were written (the rest were still retrying).`,
      "the peer side is our own agent with wake-ups off: a poller's latency is set by its period by construction, so the ratio shows what event wake-ups buy over 5 s polling, not a speed-up over the Python SDK's code.",
      `absolute values are percentiles over all calls of a side; the ratio is the median of per-round p50 ratios (median of round p50s: ${median(p50s("wake")).toFixed(1)} vs ${median(p50s("poll")).toFixed(0)} ms).`,
    ],
  });
} finally {
  await sides.wake.stop();
  await sides.poll.stop();
  await sides.clean.stop();
  await sides.dead.stop();
  await dead.close();
  await admin.close();
  const exited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await exited;
}
