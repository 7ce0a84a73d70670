// The receiving side of the latency benchmarks, run in its own process: a default RemoteAgent (poll
// delivery) on the workspace named by BENCH_EMULATOR_URL, BENCH_WORKSPACE_ID and
// BENCH_WORKSPACE_TOKEN, with event wake-ups when BENCH_EVENT_WAKEUPS is "1". It sends its parent
// (IPC) `{ ready: true }` once it runs (with wake-ups: once the event stream is connected, so the
// benchmark measures wake-ups, not the stream's first connect), answers `{ cpu: true }` with its
// CPU time, and stops on SIGTERM. BENCH_AGENT_CONCURRENCY and BENCH_AGENT_REPLY_CONCURRENCY set its
// `concurrency` and `replyConcurrency` (default: the SDK's), to measure what the defaults cost.
import {
  PlatformClient,
  RemoteAgent,
  memoryStore,
  type RemoteAgentOptions,
} from "@molecule-ai/agent-core";
import { countRequests } from "./request-count.ts";

/** Reads a required variable; `who` names the script in the error. */
export function benchEnv(who: string, k: string): string {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${who} needs ${k}`);
  return v;
}

/**
 * The agent's `store` option: `store: memoryStore()` when BENCH_AGENT_STORE is "memory" (what the
 * default store costs is measured against it), else none (the default store, files in
 * MOLECULE_STATE_DIR).
 */
export function benchStore(): Pick<RemoteAgentOptions, "store"> {
  return process.env.BENCH_AGENT_STORE === "memory" ? { store: memoryStore() } : {};
}

/** Starts the agent with `handler` (and `onDeadLetter`), then reports ready to the parent. */
export async function runBenchAgent(
  who: string,
  opts: Pick<RemoteAgentOptions, "handler" | "onDeadLetter">,
): Promise<void> {
  countRequests(who);
  const eventWakeups = benchEnv(who, "BENCH_EVENT_WAKEUPS") === "1";
  const client = new PlatformClient({
    platformUrl: benchEnv(who, "BENCH_EMULATOR_URL"),
    workspaceId: benchEnv(who, "BENCH_WORKSPACE_ID"),
    token: benchEnv(who, "BENCH_WORKSPACE_TOKEN"),
  });
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  const agent = new RemoteAgent({
    ...opts,
    ...benchStore(),
    ...(process.env.BENCH_AGENT_CONCURRENCY
      ? { concurrency: Number(process.env.BENCH_AGENT_CONCURRENCY) }
      : {}),
    ...(process.env.BENCH_AGENT_REPLY_CONCURRENCY
      ? { replyConcurrency: Number(process.env.BENCH_AGENT_REPLY_CONCURRENCY) }
      : {}),
    client,
    eventWakeups,
    pollIntervalMs: 5_000, // the Python reference's cadence (also RemoteAgent's default)
    logger: {
      debug: (msg, meta) => {
        if (msg === "event stream" && (meta as { connected?: boolean }).connected) onConnected();
      },
    },
  });
  await agent.start();
  if (eventWakeups) await connected;
  process.send?.({ ready: true });
  // `{ cpu: true }` from the parent: answers with this process's CPU time so far (conversation-load).
  process.on("message", (m: { cpu?: boolean }) => {
    if (m.cpu) process.send?.({ cpu: process.cpuUsage() });
  });
  process.once("SIGTERM", () => {
    void agent
      .stop()
      .then(() => client.close())
      .finally(() => process.exit(0));
  });
}
