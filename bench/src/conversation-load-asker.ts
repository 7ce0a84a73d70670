// conversation-load's asking agent, in its own process, so the benchmark can measure both agents
// from their very first round: a default RemoteAgent (poll delivery woken by the event stream) on
// the workspace named by BENCH_EMULATOR_URL, BENCH_WORKSPACE_ID and BENCH_WORKSPACE_TOKEN, asking
// BENCH_PEER_ID. It sends its parent (IPC) `{ ready: true }` once its event stream is connected,
// answers `{ cpu: true }` with its CPU time so far, and `{ round: tag, n }` by asking `n` questions
// at once (`r<tag>q<i>`) and sending back `{ round: tag, ms, failures }` (each round trip in ms, and
// how many got no or a wrong answer: the peer answers `answer:<question>`). It is also the load
// generator: that work is counted in its CPU. Stops on SIGTERM.
import { appendFileSync } from "node:fs";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { benchEnv, benchStore } from "./bench-agent.ts";
import { countRequests } from "./request-count.ts";

const who = "conversation-load-asker";
countRequests(who);
const peer = benchEnv(who, "BENCH_PEER_ID");
const client = new PlatformClient({
  platformUrl: benchEnv(who, "BENCH_EMULATOR_URL"),
  workspaceId: benchEnv(who, "BENCH_WORKSPACE_ID"),
  token: benchEnv(who, "BENCH_WORKSPACE_TOKEN"),
});
let onConnected!: () => void;
const connected = new Promise<void>((resolve) => (onConnected = resolve));
const agent = new RemoteAgent({
  ...benchStore(),
  client,
  handler: () => undefined,
  logger: {
    debug: (msg, meta) => {
      if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
    },
  },
});
await agent.start();
await connected;

/** BENCH_ROUND_MARKS names a file each round's start and end (monotonic µs, the clock of a
 * --cpu-prof profile) are appended to, so a profile can be cut into rounds. */
const marks = process.env.BENCH_ROUND_MARKS;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function round(tag: number, n: number): Promise<{ ms: number[]; failures: number }> {
  const startUs = nowUs();
  let failures = 0;
  const ms = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const q = `r${tag}q${i}`;
      const t0 = performance.now();
      const r = await agent.callPeer(peer, q, { timeoutMs: 30_000 }).catch(() => undefined);
      const elapsed = performance.now() - t0;
      if (r?.status !== "completed" || r.text !== `answer:${q}`) failures++;
      return elapsed;
    }),
  );
  if (marks) appendFileSync(marks, `${JSON.stringify({ round: tag, startUs, endUs: nowUs() })}\n`);
  return { ms, failures };
}

process.on("message", (m: { cpu?: boolean; round?: number; n?: number }) => {
  if (m.cpu) process.send?.({ cpu: process.cpuUsage() });
  if (m.round !== undefined) {
    const tag = m.round;
    void round(tag, m.n ?? 0).then((r) => process.send?.({ round: tag, ...r }));
  }
});
process.once("SIGTERM", () => {
  void agent
    .stop()
    .then(() => client.close())
    .finally(() => process.exit(0));
});
process.send?.({ ready: true });
