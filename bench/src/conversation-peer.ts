// conversation-latency's answering agent, in its own process: `node conversation-peer.ts` with
// BENCH_EMULATOR_URL, BENCH_WORKSPACE_ID, BENCH_WORKSPACE_TOKEN and BENCH_EVENT_WAKEUPS ("1"/"0").
// A default RemoteAgent (poll delivery) whose handler answers every question with `answer:<text>`.
// Sends its parent (IPC) `{ ready: true }` once it runs (with wake-ups: once the event stream is
// connected). Stops on SIGTERM.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

function env(k: string): string {
  const v = process.env[k];
  if (v === undefined) throw new Error(`conversation-peer needs ${k}`);
  return v;
}
const eventWakeups = env("BENCH_EVENT_WAKEUPS") === "1";
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
  handler: (msg) => `answer:${msg.text}`,
});
await agent.start();
if (eventWakeups) await connected;
process.send?.({ ready: true });
process.once("SIGTERM", () => {
  void agent
    .stop()
    .then(() => client.close())
    .finally(() => process.exit(0));
});
