// soak's two agents, in one process of their own (run with --expose-gc): a default RemoteAgent on
// poll delivery (no `store`: the default file store in MOLECULE_STATE_DIR, event wake-ups on) that
// answers `answer:<text>`, and a default RemoteAgent on push delivery that asks it. Workspaces:
// BENCH_POLL_ID/BENCH_POLL_TOKEN and BENCH_PUSH_ID/BENCH_PUSH_TOKEN on BENCH_EMULATOR_URL. Once
// both run it sends its parent (IPC) `{ ready: true }`; `{ run: n, concurrency, sampleEvery }` makes
// it do n round trips, `concurrency` at a time, and after every `sampleEvery` of them (all settled)
// collect garbage and send `{ sample: { trips, heapUsed, rss, ms } }`; then `{ done: { failures } }`.
// Stops on SIGTERM.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { benchEnv } from "./bench-agent.ts";

const who = "soak-pair";
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("soak-pair needs --expose-gc");

const url = benchEnv(who, "BENCH_EMULATOR_URL");
const pollId = benchEnv(who, "BENCH_POLL_ID");
const pollClient = new PlatformClient({
  platformUrl: url,
  workspaceId: pollId,
  token: benchEnv(who, "BENCH_POLL_TOKEN"),
});
const pushClient = new PlatformClient({
  platformUrl: url,
  workspaceId: benchEnv(who, "BENCH_PUSH_ID"),
  token: benchEnv(who, "BENCH_PUSH_TOKEN"),
});
let onConnected!: () => void;
const connected = new Promise<void>((resolve) => (onConnected = resolve));
const answerer = new RemoteAgent({
  client: pollClient,
  handler: (msg) => `answer:${msg.text}`,
  logger: {
    debug: (msg, meta) => {
      if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
    },
  },
});
// A host name, not an IP literal: a strict platform rejects IP-literal agent URLs.
const asker = new RemoteAgent({
  client: pushClient,
  delivery: { mode: "push", host: "localhost" },
  handler: () => undefined,
});
await answerer.start();
await connected;
await asker.start();
process.send?.({ ready: true });

/** Collects garbage until the heap stops shrinking (at most 4 passes); returns heap used. */
function heapAfterGc(): number {
  let prev = Infinity;
  for (let i = 0; i < 4; i++) {
    gc!();
    const used = process.memoryUsage().heapUsed;
    if (used >= prev) break;
    prev = used;
  }
  return process.memoryUsage().heapUsed;
}

async function run(n: number, concurrency: number, sampleEvery: number): Promise<void> {
  let failures = 0;
  let trips = 0;
  const t0 = performance.now();
  process.send?.({
    sample: { trips: 0, heapUsed: heapAfterGc(), rss: process.memoryUsage().rss, ms: 0 },
  });
  while (trips < n) {
    const batch = Math.min(sampleEvery, n - trips);
    let next = 0;
    const worker = async () => {
      while (next < batch) {
        const q = `t${trips + next++}`;
        const r = await asker.callPeer(pollId, q, { timeoutMs: 60_000 }).catch(() => undefined);
        if (r?.status !== "completed" || r.text !== `answer:${q}`) failures++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch) }, worker));
    trips += batch;
    const heapUsed = heapAfterGc();
    const { rss } = process.memoryUsage();
    process.send?.({ sample: { trips, heapUsed, rss, ms: performance.now() - t0 } });
  }
  process.send?.({ done: { failures } });
}

process.on("message", (m: { run?: number; concurrency?: number; sampleEvery?: number }) => {
  if (m.run !== undefined) void run(m.run, m.concurrency ?? 100, m.sampleEvery ?? 2_000);
});
process.once("SIGTERM", () => {
  void Promise.all([answerer.stop(), asker.stop()])
    .then(() => Promise.all([pollClient.close(), pushClient.close()]))
    .finally(() => process.exit(0));
});
