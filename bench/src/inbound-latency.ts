// inbound-latency: from a peer's call through the emulator's A2A proxy to the start of the
// receiving agent's handler. Side by side in one run:
//   (a) RemoteAgent with default settings (poll delivery + event wake-ups, 5 s poll interval)
//   (b) the same agent with wake-ups off, polling at the Python reference's 5 s cadence
// Targets for (a): p50 <= 50 ms, p99 <= 250 ms.
// Run: ./dev pnpm --filter @molecule-ai/agent-core build && ./dev pnpm --filter @internal/bench run inbound-latency
import { randomUUID } from "node:crypto";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { fmt, percentile, printTable } from "./report.ts";

const N_WAKE = Number(process.env.BENCH_N ?? 200);
const N_POLL = Number(process.env.BENCH_N_POLL ?? 40);
const POLL_WINDOW_MS = Number(process.env.BENCH_POLL_WINDOW_MS ?? 20_000);

const emu = await startEmulator();

async function scenario(
  name: string,
  opts: { eventWakeups: boolean },
  send: (peer: PlatformClient, agentId: string, starts: Map<string, number>) => Promise<number[]>,
): Promise<number[]> {
  const a = await emu.admin.createWorkspace({ name: `${name}-agent` });
  const p = await emu.admin.createWorkspace({ name: `${name}-peer` });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  const starts = new Map<string, number>();
  const agent = new RemoteAgent({
    client,
    eventWakeups: opts.eventWakeups,
    pollIntervalMs: 5_000, // the reference's cadence (also RemoteAgent's default)
    handler: (msg) => {
      if (msg.messageId) starts.set(msg.messageId, performance.now());
    },
  });
  await agent.start();
  await new Promise((r) => setTimeout(r, 300)); // let the event stream connect
  const latencies = await send(peer, a.id, starts);
  await agent.stop();
  await client.close();
  await peer.close();
  return latencies;
}

async function waitStart(
  starts: Map<string, number>,
  id: string,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const t = starts.get(id);
    if (t !== undefined) return t;
    if (performance.now() > deadline)
      throw new Error(`message ${id} not handled within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Sequential calls: each waits for its handler to start before the next is sent. */
async function sequential(
  peer: PlatformClient,
  agentId: string,
  starts: Map<string, number>,
  n: number,
) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const t0 = performance.now();
    await peer.callPeer(agentId, `ping ${i}`, { messageId: id });
    out.push((await waitStart(starts, id, 15_000)) - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

/** Calls at uniformly random times over a window (a poller's latency depends on the phase). */
async function spread(
  peer: PlatformClient,
  agentId: string,
  starts: Map<string, number>,
  n: number,
) {
  const jobs = Array.from({ length: n }, async (_, i) => {
    await new Promise((r) => setTimeout(r, Math.random() * POLL_WINDOW_MS));
    const id = randomUUID();
    const t0 = performance.now();
    await peer.callPeer(agentId, `ping ${i}`, { messageId: id });
    return (await waitStart(starts, id, 15_000)) - t0;
  });
  return await Promise.all(jobs);
}

console.log(`inbound-latency: ${N_WAKE} calls with event wake-ups, ${N_POLL} calls polling at 5 s`);
const wake = await scenario("wake", { eventWakeups: true }, (p, id, s) =>
  sequential(p, id, s, N_WAKE),
);
const poll = await scenario("poll", { eventWakeups: false }, (p, id, s) =>
  spread(p, id, s, N_POLL),
);
await emu.close();

const row = (xs: number[]) => ({
  n: xs.length,
  "p50 ms": fmt(percentile(xs, 50)),
  "p99 ms": fmt(percentile(xs, 99)),
  "max ms": fmt(Math.max(...xs)),
});
printTable("peer call -> emulator proxy -> handler start", {
  "RemoteAgent defaults (event wake-ups)": row(wake),
  "RemoteAgent, wake-ups off, 5 s poll (reference cadence)": row(poll),
});
const p50 = percentile(wake, 50);
const p99 = percentile(wake, 99);
console.log(`speed-up at p50: ${fmt(percentile(poll, 50) / p50, 0)}x`);
const pass = p50 <= 50 && p99 <= 250;
console.log(
  `${pass ? "PASS" : "FAIL"}: event wake-ups p50 ${fmt(p50)} ms (target <= 50), p99 ${fmt(p99)} ms (target <= 250)`,
);
process.exitCode = pass ? 0 : 1;
