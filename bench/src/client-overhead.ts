// client-overhead: heartbeat round trips through PlatformClient beside a bare undici Pool loop
// sending the same request (same headers, same body) to the same emulator endpoint; the emulator
// runs in its own process. 50 rounds per concurrency, order rotated each round, verdict on the
// paired per-round ratio PlatformClient req/s / bare req/s (target >= 0.85).
// Run: ./dev bench client-overhead   (env: N requests per round, default 400; ROUNDS, default 50)
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { PlatformClient } from "@molecule-ai/agent-core";
import { Pool } from "undici";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios } from "./harness/stats.ts";
import type { Figure } from "./harness/types.ts";

const PER_ROUND = Number(process.env.N ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 50);
const CONCURRENCY = [1, 16];
const TARGET = 0.85;

/** req/s of `n` requests from `concurrency` loops. */
const rate = async (fn: () => Promise<void>, n: number, concurrency: number): Promise<number> => {
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
  return (n / (performance.now() - started)) * 1000;
};

const emu = await spawnEmulator(["--compat", "latest"]);
try {
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  const ws = await admin.createExternalWorkspace({ name: "bench" });
  await admin.close();
  const token = ws.token as string;
  const origin = new URL(emu.url).origin;
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token });
  await client.register({ agentCard: { name: "bench" } });
  const pool = new Pool(origin, { connections: 32, keepAliveTimeout: 10_000 });
  const headers = {
    "user-agent": "bench",
    accept: "application/json",
    origin,
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
  };
  const body = JSON.stringify({
    workspace_id: ws.id,
    active_tasks: 1,
    current_task: "",
    error_rate: 0,
    sample_error: "",
    uptime_seconds: 10,
  });
  const once = {
    bare: async (): Promise<void> => {
      const res = await pool.request({
        path: "/registry/heartbeat",
        method: "POST",
        headers,
        body,
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`bare heartbeat ${res.statusCode}`);
    },
    client: async (): Promise<void> => {
      await client.heartbeat({ activeTasks: 1, uptimeSeconds: 10 });
    },
  };
  await rate(once.bare, 300, 4); // warm-up
  await rate(once.client, 300, 4);

  const figures: Figure[] = [];
  for (const c of CONCURRENCY) {
    const r = await runRounds(["client", "bare"] as const, ROUNDS, (side) =>
      rate(once[side], PER_ROUND, c),
    );
    figures.push({
      figure: `heartbeat req/s, concurrency ${c}`,
      ours: "PlatformClient.heartbeat",
      peer: "a bare undici Pool loop sending the same request",
      unit: "req/s",
      oursValue: median(r.client),
      peerValue: median(r.bare),
      ratio: pairedRatios(r.client, r.bare),
      target: { on: "ratio", op: ">=", value: TARGET },
    });
  }
  await client.close();
  await pool.close();
  await writeResult({
    name: "client-overhead",
    description: `Heartbeat round trips through \`PlatformClient\` beside a bare undici loop, same request and emulator endpoint (emulator in a child process); ${ROUNDS} rounds of ${PER_ROUND} requests per concurrency.`,
    rounds: ROUNDS,
    figures,
  });
} finally {
  emu.child.kill("SIGTERM");
  await new Promise((r) => emu.child.once("exit", r));
}
