// inbound-latency's receiving agent, in its own process: `node inbound-agent.ts` with
// BENCH_EMULATOR_URL, BENCH_WORKSPACE_ID, BENCH_WORKSPACE_TOKEN and BENCH_EVENT_WAKEUPS ("1"/"0");
// BENCH_REPLY "1" makes the handler answer every message (replies go through the reply outbox);
// an answer dead-lettered as undeliverable is reported as `{ replyFailed: true }`.
// Sends its parent (IPC) `{ ready: true }` once it runs (with wake-ups: once the event stream is
// connected), then `{ id, at }` when a handler starts, `at` in ms since the Unix epoch
// (performance.timeOrigin + performance.now(), comparable across processes on one machine).
// Stops on SIGTERM.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

function env(k: string): string {
  const v = process.env[k];
  if (v === undefined) throw new Error(`inbound-agent needs ${k}`);
  return v;
}
const eventWakeups = env("BENCH_EVENT_WAKEUPS") === "1";
const reply = process.env.BENCH_REPLY === "1";
const client = new PlatformClient({
  platformUrl: env("BENCH_EMULATOR_URL"),
  workspaceId: env("BENCH_WORKSPACE_ID"),
  token: env("BENCH_WORKSPACE_TOKEN"),
});
let onConnected!: () => void;
const connected = new Promise<void>((resolve) => {
  onConnected = resolve;
});
const agent = new RemoteAgent({
  client,
  eventWakeups,
  pollIntervalMs: 5_000, // the Python reference's cadence (also RemoteAgent's default)
  logger: {
    debug: (msg, meta) => {
      if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
    },
  },
  handler: (msg) => {
    process.send?.({ id: msg.messageId, at: performance.timeOrigin + performance.now() });
    return reply ? `answer:${msg.text}` : undefined;
  },
  // Replies to the unreachable caller end here: counted by the parent ({ replyFailed: true }).
  onDeadLetter: (_msg, error) => {
    if ((error as { code?: unknown }).code === "reply_failed")
      process.send?.({ replyFailed: true });
  },
});
await agent.start();
if (eventWakeups) await connected; // measure wake-ups, not the stream's first connect
process.send?.({ ready: true });
process.once("SIGTERM", () => {
  void agent
    .stop()
    .then(() => client.close())
    .finally(() => process.exit(0));
});
