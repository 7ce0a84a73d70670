// client-overhead: heartbeat round trips through PlatformClient beside a bare undici Pool loop
// sending the same request (same headers, same body) to the same emulator endpoint.
// Target: the client reaches >= 0.85 of the bare loop's throughput.
import { PlatformClient } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { Pool } from "undici";
import { fmt, percentile, printTable } from "./report.ts";

const N = Number(process.env.N ?? 4000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONCURRENCY = [1, 16];
const TARGET = 0.85;

const emu = await startEmulator({ compat: "latest" });
const ws = await emu.admin.createWorkspace({ name: "bench" });
const token = ws.token as string;
const url = new URL(emu.url);

const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token });
await client.register({ agentCard: { name: "bench" } });

const pool = new Pool(url.origin, { connections: 32, keepAliveTimeout: 10_000 });
const headers = {
  "user-agent": "bench",
  accept: "application/json",
  origin: url.origin,
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
};

async function bareOnce(): Promise<void> {
  const body = JSON.stringify({
    workspace_id: ws.id,
    active_tasks: 1,
    current_task: "",
    error_rate: 0,
    sample_error: "",
    uptime_seconds: 10,
  });
  const res = await pool.request({ path: "/registry/heartbeat", method: "POST", headers, body });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`bare heartbeat ${res.statusCode}`);
}

async function clientOnce(): Promise<void> {
  await client.heartbeat({ activeTasks: 1, uptimeSeconds: 10 });
}

async function run(fn: () => Promise<void>, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
  return (n / (performance.now() - started)) * 1000; // req/s
}

// warm-up
await run(bareOnce, 300, 4);
await run(clientOnce, 300, 4);

let pass = true;
const rows: Record<string, Record<string, string | number>> = {};
for (const c of CONCURRENCY) {
  // Interleave many short chunks so both loops see the same machine load (the machine is shared),
  // alternating which one goes first; throughput = total requests / total time per variant.
  const chunk = Math.max(100, Math.floor(N / 10));
  const chunks = ROUNDS * 10;
  let bareMs = 0;
  let sdkMs = 0;
  const ratios: number[] = [];
  for (let r = 0; r < chunks; r++) {
    const first = r % 2 === 0 ? bareOnce : clientOnce;
    const second = r % 2 === 0 ? clientOnce : bareOnce;
    const t1 = chunk / (await run(first, chunk, c));
    const t2 = chunk / (await run(second, chunk, c));
    const [tb, ts] = r % 2 === 0 ? [t1, t2] : [t2, t1];
    bareMs += tb;
    sdkMs += ts;
    ratios.push(tb / ts);
  }
  const b = (chunk * chunks) / bareMs;
  const s = (chunk * chunks) / sdkMs;
  const ratio = s / b;
  if (ratio < TARGET) pass = false;
  rows[`concurrency ${c}`] = {
    "bare undici req/s": fmt(b, 0),
    "PlatformClient req/s": fmt(s, 0),
    ratio: fmt(ratio, 3),
    "median chunk ratio": fmt(percentile(ratios, 50), 3),
    verdict: ratio >= TARGET ? "PASS" : "FAIL",
  };
}

printTable(
  `client-overhead: heartbeat round trips, ${ROUNDS * 10} interleaved chunks of ${Math.max(100, Math.floor(N / 10))} per concurrency (target ratio >= ${TARGET})`,
  rows,
);
console.log(pass ? "PASS" : "FAIL");

await client.close();
await pool.close();
await emu.close();
process.exitCode = pass ? 0 : 1;
