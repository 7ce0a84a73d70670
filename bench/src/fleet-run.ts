// One fleet measurement, in its own process (started by fleet.ts): N RemoteAgents in one
// configuration against an emulator in another process. Prints JSON lines on stdout:
// {"event":"started"} once every agent runs, then {"event":"result", ...} after the window.
// Memory is RSS growth from just before the first agent to the end of the window (after GC);
// heartbeat lateness is each gap between an agent's consecutive heartbeats minus the interval.
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Session } from "node:inspector/promises";
import { writeHeapSnapshot } from "node:v8";
import { Agent } from "undici";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { HeartbeatReport, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { FLEET_CONFIGS } from "./fleet-configs.ts";
import { heapSpaces, printSmapsGrowth, smaps, spacesGrowth } from "./fleet-memory.ts";
import type { FleetConfig, FleetConfigName } from "./fleet-configs.ts";

const env = process.env;
const url = env.FLEET_URL!;
const config: FleetConfig = FLEET_CONFIGS[env.FLEET_CONFIG as FleetConfigName];
const WINDOW_MS = Number(env.FLEET_WINDOW_MS);
const HEARTBEAT_MS = Number(env.FLEET_HEARTBEAT_MS);
const { warmup, workspaces } = JSON.parse(readFileSync(env.FLEET_WORKSPACES!, "utf8")) as {
  warmup: { id: string; token: string };
  workspaces: Array<{ id: string; token: string }>;
};
const N = workspaces.length;

/** Open sockets of this process: /proc/self/fd on Linux (idle keep-alive sockets are unref'd, so
 * Node's active-resource list misses them), else the active TCP handles. */
function openSockets(): number {
  try {
    return readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:");
      } catch {
        return false;
      }
    }).length;
  } catch {
    return process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Heartbeat completions, recorded without a closure per agent; buffers sized before the baseline.
let recording = false;
const last = new Float64Array(N);
const gaps = new Float64Array(N * (Math.ceil(WINDOW_MS / HEARTBEAT_MS) + 4));
let gapCount = 0;
/** Heartbeats that failed during the window. */
let heartbeatsFailed = 0;
class TimedClient extends PlatformClient {
  index = 0;
  override async heartbeat(report?: HeartbeatReport, options?: { signal?: AbortSignal }) {
    const r = await super.heartbeat(report, options).catch((err: unknown) => {
      if (recording) heartbeatsFailed++;
      throw err;
    });
    const now = performance.now();
    if (recording && last[this.index]! > 0 && gapCount < gaps.length) {
      gaps[gapCount++] = now - last[this.index]!;
    }
    last[this.index] = now;
    return r;
  }
}

let handled = 0;
const handler = (): void => {
  handled++;
};
const dispatcher = config.sharedDispatcher ? new Agent(config.sharedDispatcher) : undefined;

// Warm-up: one agent of the same configuration runs and makes platform calls, so the baseline
// already holds what any first agent pays once (undici's parser, compiled code).
{
  const client = new PlatformClient({
    platformUrl: url,
    workspaceId: warmup.id,
    token: warmup.token,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const agent = new RemoteAgent({
    client,
    handler,
    heartbeatIntervalMs: HEARTBEAT_MS,
    ...config.agent,
  });
  await agent.start();
  for (let i = 0; i < 20; i++) await Promise.all([client.heartbeat(), client.getState()]);
  await agent.stop();
  await client.close();
}

// FLEET_HEAP_SNAPSHOTS=<dir>: heap snapshots before the agents and at the end of the window, to
// see what an agent holds (open them in Chrome DevTools, "Comparison" view).
const snapshots = env.FLEET_HEAP_SNAPSHOTS;
await settle();
// In an A/B run (`--base`), each build's snapshots are named after its checkout's folder.
const build = env.BENCH_SDK_ROOT ? `-${basename(env.BENCH_SDK_ROOT)}` : "";
if (snapshots)
  writeHeapSnapshot(join(snapshots, `${env.FLEET_CONFIG}${build}-before.heapsnapshot`));
const smapsBefore = env.FLEET_SMAPS ? smaps(env.FLEET_SMAPS === "2") : undefined;
const before = process.memoryUsage();
const spacesBefore = heapSpaces();
const agents: RemoteAgent[] = [];
const BATCH = Number(env.FLEET_START_BATCH ?? N);
for (let i = 0; i < N; i += BATCH) {
  const batch = workspaces.slice(i, i + BATCH).map((w, j) => {
    const client = new TimedClient({
      platformUrl: url,
      workspaceId: w.id,
      token: w.token,
      ...(dispatcher ? { dispatcher } : {}),
    });
    client.index = i + j;
    const options: RemoteAgentOptions = {
      client,
      handler,
      heartbeatIntervalMs: HEARTBEAT_MS,
      ...config.agent,
    };
    return new RemoteAgent(options);
  });
  await Promise.all(batch.map(async (a) => await a.start()));
  agents.push(...batch);
}
const windowStart = performance.now();
const cpuStart = process.cpuUsage();
// Gaps count from the window's start: an agent silent since then is late by the whole window.
last.fill(windowStart);
recording = true;
process.stdout.write(`${JSON.stringify({ event: "started" })}\n`);
// FLEET_ALLOC_PROFILE=<file>: a sampling profile of every allocation during the window, the
// collected ones included (what sizes V8's young generation), for `node src/alloc-profile.ts`.
const allocProfile = env.FLEET_ALLOC_PROFILE;
const inspector = allocProfile ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
await new Promise((r) => setTimeout(r, WINDOW_MS));
if (inspector && allocProfile) {
  const { profile } = await inspector.post("HeapProfiler.stopSampling");
  writeFileSync(allocProfile, JSON.stringify(profile));
  inspector.disconnect();
}
recording = false;
const windowEnd = performance.now();
const cpu = process.cpuUsage(cpuStart);
for (let i = 0; i < N && gapCount < gaps.length; i++) gaps[gapCount++] = windowEnd - last[i]!;
await settle();
const during = process.memoryUsage();
const sockets = openSockets();
const spacesDuring = heapSpaces();
const smapsDuring = smapsBefore ? smaps(env.FLEET_SMAPS === "2") : undefined;
// What a full, memory-reducing GC would still give back (V8's pooled free pages): diagnostics
// only, printed beside the figure; the figure is `during`.
(gc as ((o?: object) => void) | undefined)?.({
  type: "major",
  execution: "sync",
  flavor: "last-resort",
});
const afterLastResort = process.memoryUsage();
if (smapsBefore && smapsDuring) {
  process.stderr.write("fleet-run: mappings at the end of the window:\n");
  printSmapsGrowth(smapsBefore, smapsDuring);
  process.stderr.write("fleet-run: mappings after the last-resort GC:\n");
  printSmapsGrowth(smapsBefore, smaps(env.FLEET_SMAPS === "2"));
}
if (snapshots) writeHeapSnapshot(join(snapshots, `${env.FLEET_CONFIG}${build}-after.heapsnapshot`));
const stop0 = performance.now();
await Promise.all(agents.map(async (a) => await a.stop()));
const stopMs = performance.now() - stop0;
await dispatcher?.close();

const sorted = Array.from(gaps.subarray(0, gapCount)).sort((a, b) => a - b);
const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
const maxGap = sorted.at(-1) ?? 0;
process.stdout.write(
  `${JSON.stringify({
    event: "result",
    agents: N,
    rssGrowthBytes: during.rss - before.rss,
    heapUsedGrowthBytes: during.heapUsed - before.heapUsed,
    heapTotalGrowthBytes: during.heapTotal - before.heapTotal,
    externalGrowthBytes: during.external - before.external,
    rssBytes: during.rss,
    rssBeforeBytes: before.rss,
    heartbeats: gapCount,
    heartbeatsFailed,
    maxGapMs: maxGap,
    p99GapMs: p99,
    lateMaxMs: Math.max(0, maxGap - HEARTBEAT_MS),
    lateP99Ms: Math.max(0, p99 - HEARTBEAT_MS),
    handled,
    stopMs,
    // CPU time of this process (user + system) during the window, as a share of one core.
    cpuCoreShare: (cpu.user + cpu.system) / 1000 / (windowEnd - windowStart),
    rssGrowthAfterLastResortGcBytes: afterLastResort.rss - before.rss,
    sockets,
    // Committed size growth of each V8 heap space (new_space is the young generation).
    spaces: spacesGrowth(spacesBefore, spacesDuring),
  })}\n`,
);
