// Emulator heartbeat throughput: 1,000 registered workspaces heartbeating against the emulator
// running in its own process (so the load generator does not share its event loop).
// Target: >= 5,000 heartbeat requests per second on the project's 2-core machine.
//
//   ./dev bench emulator-heartbeat   (or: node bench/src/emulator-heartbeat.ts --seconds 10 --connections 64)
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { percentile } from "./harness/stats.ts";

const TARGET_RPS = 5_000;
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    workspaces: { type: "string", default: "1000" },
    connections: { type: "string", default: "64" },
    compat: { type: "string", default: "latest" },
  },
});
const seconds = Number(values.seconds);
const workspaceCount = Number(values.workspaces);
const connections = Number(values.connections);

const { child, url, adminToken } = await spawnEmulator(["--compat", String(values.compat)]);

const pool = new Pool(url, { connections, pipelining: 1 });

async function post(
  path: string,
  body: unknown,
  token: string,
): Promise<{ status: number; json: unknown }> {
  const r = await pool.request({
    method: "POST",
    path,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await r.body.text();
  return { status: r.statusCode, json: text === "" ? undefined : JSON.parse(text) };
}

try {
  // 1. Create and register 1,000 external workspaces (poll delivery, no URL needed).
  const workspaces: { id: string; token: string; body: string; auth: string }[] = [];
  const setupStart = performance.now();
  for (let i = 0; i < workspaceCount; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, workspaceCount - i) }, async (_, k) => {
        const created = await post(
          "/workspaces",
          { name: `bench-${i + k}`, runtime: "external" },
          adminToken,
        );
        const c = created.json as { id: string; connection: { auth_token: string } };
        const token = c.connection.auth_token;
        const reg = await post(
          "/registry/register",
          values.compat === "2026-04"
            ? { id: c.id, url: "http://localhost:9/a2a", agent_card: { name: `bench-${i + k}` } }
            : { id: c.id, delivery_mode: "poll", agent_card: { name: `bench-${i + k}` } },
          token,
        );
        if (reg.status !== 200) throw new Error(`register failed: ${reg.status}`);
        return { id: c.id, token, body: "", auth: `Bearer ${token}` };
      }),
    );
    workspaces.push(...batch);
  }
  const setupMs = performance.now() - setupStart;

  // 2. Drive heartbeats from `connections` concurrent loops for `seconds`.
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  async function loop(): Promise<void> {
    while (performance.now() < deadline) {
      const ws = workspaces[next++ % workspaces.length] as (typeof workspaces)[number];
      const t0 = performance.now();
      const r = await pool.request({
        method: "POST",
        path: "/registry/heartbeat",
        headers: { "content-type": "application/json", authorization: ws.auth },
        body: `{"workspace_id":"${ws.id}","active_tasks":0,"uptime_seconds":${Math.floor(t0 / 1000)},"error_rate":0,"current_task":""}`,
      });
      await r.body.dump();
      latencies.push(performance.now() - t0);
      if (r.statusCode === 200) ok++;
      else failed++;
    }
  }
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - start) / 1000;
  const rps = ok / elapsed;
  console.log(`${ok} ok, ${failed} failed in ${elapsed.toFixed(1)} s`);

  await writeResult({
    name: "emulator-heartbeat",
    description: `${workspaceCount} registered workspaces heartbeating for ${seconds} s over ${connections} keep-alive connections against \`@molecule-ai/platform-emulator\` in a child process (${values.compat} contract); no peer: shows the emulator is not the other benchmarks' bottleneck.`,
    rounds: 1,
    figures: [
      {
        figure: "heartbeat req/s",
        ours: "platform-emulator (child process)",
        peer: "none",
        unit: "req/s",
        oursValue: rps,
        target: { on: "ours", op: ">=", value: TARGET_RPS },
      },
      {
        figure: "failed heartbeats",
        ours: "platform-emulator (child process)",
        peer: "none",
        unit: "requests",
        oursValue: failed,
        target: { on: "ours", op: "<=", value: 0 },
      },
      {
        figure: "heartbeat latency p99",
        ours: "platform-emulator (child process)",
        peer: "none",
        unit: "ms",
        oursValue: percentile(latencies, 99),
      },
    ],
    notes: [`setup of ${workspaceCount} workspaces took ${(setupMs / 1000).toFixed(1)} s.`],
  });
} finally {
  await pool.close();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}
