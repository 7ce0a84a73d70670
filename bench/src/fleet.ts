// fleet: 1,000 RemoteAgents in one Node process (heartbeats + poll delivery) against one emulator
// running in a child process (so its memory is not counted). Reports RSS and heap growth, total
// and per agent, beside the per-process baseline. Target: under 150 MB RSS growth for 1,000 agents.
// Run: ./dev pnpm --filter @molecule-ai/agent-core build && ./dev pnpm --filter @internal/bench run fleet
// (node --expose-gc gives steadier figures: `./dev node --expose-gc bench/src/fleet.ts`)
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Agent } from "undici";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { fmt, printTable } from "./report.ts";

const N = Number(process.env.FLEET_AGENTS ?? 1000);
const RUN_MS = Number(process.env.FLEET_RUN_MS ?? 20_000);
const HEARTBEAT_MS = Number(process.env.FLEET_HEARTBEAT_MS ?? 5_000);
const POLL_MS = Number(process.env.FLEET_POLL_MS ?? 5_000);
const MESSAGES = Number(process.env.FLEET_MESSAGES ?? 200);
const LIMIT_MB = 150;

const gc = (globalThis as { gc?: () => void }).gc;
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}
const mb = (b: number) => b / 1024 / 1024;

// The emulator in a child process.
const child = spawn(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    `import { startEmulator } from "@molecule-ai/platform-emulator";
     const emu = await startEmulator({ livenessMs: 3_600_000 });
     process.stdout.write(JSON.stringify({ url: emu.url, adminToken: emu.adminToken }) + "\\n");
     process.on("SIGTERM", async () => { await emu.close(); process.exit(0); });`,
  ],
  { cwd: new URL("..", import.meta.url), stdio: ["ignore", "pipe", "inherit"] },
);
const { url, adminToken } = await new Promise<{ url: string; adminToken: string }>(
  (resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (b: Buffer) => {
      buf += b.toString();
      const nl = buf.indexOf("\n");
      if (nl !== -1) resolve(JSON.parse(buf.slice(0, nl)));
    });
    child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)));
  },
);

const dispatcher = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
async function admin(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

console.log(
  `fleet: ${N} agents, heartbeat every ${HEARTBEAT_MS} ms, poll every ${POLL_MS} ms, run ${RUN_MS} ms`,
);
const workspaces: Array<{ id: string; token: string }> = [];
for (let i = 0; i < N; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, N - i) }, (_, j) =>
      admin("/workspaces", { name: `fleet-${i + j}`, runtime: "external", external: true }),
    ),
  );
  for (const w of batch) {
    const conn = w.connection as { auth_token: string };
    workspaces.push({ id: String(w.id), token: conn.auth_token });
  }
}
const sender = await admin("/workspaces", {
  name: "fleet-sender",
  runtime: "external",
  external: true,
});

await settle();
const before = process.memoryUsage();

let handled = 0;
let heartbeats = 0;
const agents: RemoteAgent<PlatformClient>[] = [];
for (let i = 0; i < N; i += 50) {
  const batch = workspaces.slice(i, i + 50).map((w) => {
    const client = new PlatformClient({
      platformUrl: url,
      workspaceId: w.id,
      token: w.token,
      dispatcher,
    });
    const hb = client.heartbeat.bind(client);
    client.heartbeat = async (...args: Parameters<PlatformClient["heartbeat"]>) => {
      await hb(...args);
      heartbeats++;
    };
    return new RemoteAgent({
      client,
      delivery: "poll",
      eventWakeups: false,
      heartbeatIntervalMs: HEARTBEAT_MS,
      pollIntervalMs: POLL_MS,
      handler: () => {
        handled++;
      },
    });
  });
  await Promise.all(batch.map((a) => a.start()));
  agents.push(...batch);
}
console.log(`started ${agents.length} agents`);

// Some traffic while the fleet runs.
const senderClient = new PlatformClient({
  platformUrl: url,
  workspaceId: String(sender.id),
  token: (sender.connection as { auth_token: string }).auth_token,
  dispatcher,
});
for (let i = 0; i < MESSAGES; i++) {
  const target = workspaces[Math.floor(Math.random() * workspaces.length)]!;
  await senderClient.callPeer(target.id, `task ${i}`, { messageId: randomUUID() });
}
const heartbeatsAtStart = heartbeats;
await new Promise((r) => setTimeout(r, RUN_MS));
await settle();
const during = process.memoryUsage();
const heartbeatsDuring = heartbeats - heartbeatsAtStart;

const t0 = performance.now();
await Promise.all(agents.map((a) => a.stop()));
const stopMs = performance.now() - t0;
await senderClient.close();
await dispatcher.close();
child.kill("SIGTERM");

const rss = mb(during.rss - before.rss);
const heap = mb(during.heapUsed - before.heapUsed);
printTable(`${N} RemoteAgents in one process (emulator in a child process)`, {
  "RSS growth": { total: `${fmt(rss)} MB`, "per agent": `${fmt((rss * 1024) / N)} KB` },
  "heap used growth": { total: `${fmt(heap)} MB`, "per agent": `${fmt((heap * 1024) / N)} KB` },
  "heap total growth": {
    total: `${fmt(mb(during.heapTotal - before.heapTotal))} MB`,
    "per agent": `${fmt((mb(during.heapTotal - before.heapTotal) * 1024) / N)} KB`,
  },
  "external + array buffers growth": {
    total: `${fmt(mb(during.external - before.external))} MB`,
    "per agent": `${fmt((mb(during.external - before.external) * 1024) / N)} KB`,
  },
  "process RSS (before agents)": { total: `${fmt(mb(before.rss))} MB`, "per agent": "-" },
});
console.log(
  `heartbeats during the run: ${heartbeatsDuring} (${fmt(heartbeatsDuring / N, 1)} per agent); messages handled: ${handled}/${MESSAGES}; stop() of all agents: ${fmt(stopMs, 0)} ms${gc ? "" : " (run with --expose-gc for steadier memory figures)"}`,
);
const pass = rss < LIMIT_MB && handled === MESSAGES && heartbeatsDuring >= N;
console.log(
  `${pass ? "PASS" : "FAIL"}: RSS growth ${fmt(rss)} MB for ${N} agents (target < ${LIMIT_MB} MB), all messages handled, every agent heartbeating`,
);
process.exitCode = pass ? 0 : 1;
