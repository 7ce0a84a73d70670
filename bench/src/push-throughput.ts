// push-throughput: `message/send` with an echo handler, every request with its own messageId,
// against (servers in push-servers.ts, each in its own child process):
//   our bare push server (startA2AServer), a RemoteAgent with push delivery, an @a2a-js/sdk 1.3
//   Express server, and a bare node:http JSON echo (the floor); plus v1.0 `SendMessage` on our
//   bare server and @a2a-js/sdk.
// This process is only the load generator (one undici Pool of BENCH_CONNECTIONS connections per
// server); the RemoteAgent registers with the emulator, also in its own process. All servers start
// and warm up first; then every round loads each one for a short window, in an order rotated each
// round, so the two sides of a ratio are measured seconds apart under the same machine load.
// Verdicts are on the per-round paired ratios.
// Run: ./dev bench push-throughput   (env: BENCH_ROUNDS 24, BENCH_WARMUP_MS 1500,
// BENCH_DURATION_MS 500, BENCH_CONNECTIONS 32, BENCH_SERVER_NODE_ARGS e.g. "--cpu-prof")
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios, percentile } from "./harness/stats.ts";
import type { Figure, Target } from "./harness/types.ts";
import { openLoader, type Loader, type PushMethod } from "./push-load.ts";
import { startServer, stopServer, type ServerChild, type ServerKind } from "./push-servers.ts";

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 24);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 32);
const WARMUP_MS = Number(process.env["BENCH_WARMUP_MS"] ?? 1500);
const DURATION_MS = Number(process.env["BENCH_DURATION_MS"] ?? 500);

const SCENARIOS = {
  ours: ["ours", "message/send"],
  "remote-agent": ["remote-agent", "message/send"],
  "a2a-js": ["a2a-js", "message/send"],
  floor: ["floor", "message/send"],
  "ours v1": ["ours", "SendMessage"],
  "a2a-js v1": ["a2a-js", "SendMessage"],
} as const satisfies Record<string, readonly [ServerKind, PushMethod]>;
type Scenario = keyof typeof SCENARIOS;

const DESCRIBE: Record<Scenario, string> = {
  ours: "our bare push server (startA2AServer, path secret, echo onMessage)",
  "remote-agent":
    "RemoteAgent push delivery (its server + de-dup + dispatcher at default concurrency 4), echo handler",
  "a2a-js":
    "an @a2a-js/sdk 1.3 Express server (DefaultRequestHandler + InMemoryTaskStore, legacyCompat for v0.3)",
  floor: "a bare node:http JSON echo (the floor: no A2A handling)",
  "ours v1": "our bare push server, v1.0 SendMessage",
  "a2a-js v1": "an @a2a-js/sdk 1.3 Express server, v1.0 SendMessage",
};

interface Measured {
  rps: number;
  p99: number;
  errors: number;
  /** Server CPU time per request in the window (µs). */
  cpuPerRequest: number;
}

/**
 * The secret the platform pushes to `ws`'s agent with (`platform_inbound_secret`), as the platform
 * reads it from its own store: here from a heartbeat's answer (the emulator, like the August
 * server, returns it to the workspace's token with each one).
 */
async function platformBearer(url: string, ws: { id: string; token?: string }): Promise<string> {
  const res = await fetch(`${url}/registry/heartbeat`, {
    method: "POST",
    headers: { authorization: `Bearer ${ws.token}`, "content-type": "application/json" },
    body: JSON.stringify({ workspace_id: ws.id }),
  });
  const body = (await res.json()) as { platform_inbound_secret?: unknown };
  const secret = body.platform_inbound_secret;
  if (typeof secret !== "string") throw new Error(`no push secret for ${ws.id}: ${res.status}`);
  return secret;
}

const emu = await spawnEmulator();
const servers = new Map<Scenario, { server: ServerChild; loader?: Loader }>();
try {
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  const ws = await admin.createExternalWorkspace({ name: "bench-push" });
  await admin.close();
  const agentEnv = {
    BENCH_EMULATOR_URL: emu.url,
    BENCH_WORKSPACE_ID: ws.id,
    BENCH_WORKSPACE_TOKEN: ws.token as string,
  };
  const scenarios = Object.keys(SCENARIOS) as Scenario[];
  console.log(
    `push-throughput: ${CONNECTIONS} connections, ${scenarios.length} servers warmed ${WARMUP_MS} ms each, then ${ROUNDS} rounds of ${DURATION_MS} ms per server, order rotated`,
  );
  for (const scenario of scenarios) {
    const [kind, method] = SCENARIOS[scenario];
    const entry: { server: ServerChild; loader?: Loader } = {
      server: await startServer(kind, kind === "remote-agent" ? agentEnv : {}),
    };
    servers.set(scenario, entry); // stopped in `finally` even if the probe fails
    // The RemoteAgent takes pushes from the platform only: the loader is the platform's proxy.
    const bearer = kind === "remote-agent" ? await platformBearer(emu.url, ws) : undefined;
    entry.loader = await openLoader(entry.server.url, method, CONNECTIONS, bearer);
    await entry.loader.run(WARMUP_MS);
  }
  const r = await runRounds(scenarios, ROUNDS, async (scenario, round): Promise<Measured> => {
    const { server, loader } = servers.get(scenario)!;
    const cpu0 = await server.cpu();
    const w = await loader!.run(DURATION_MS);
    const cpu1 = await server.cpu();
    const m: Measured = {
      rps: (w.requests / w.elapsedMs) * 1000,
      p99: percentile(w.latencies, 99),
      errors: w.errors,
      cpuPerRequest: (cpu1 - cpu0) / w.requests,
    };
    console.log(
      `  round ${round + 1} ${scenario}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99.toFixed(1)} ms, ${m.cpuPerRequest.toFixed(1)} µs CPU/req, ${m.errors} errors`,
    );
    return m;
  });
  const rps = (s: Scenario) => r[s].map((m) => m.rps);
  const cpu = (s: Scenario) => r[s].map((m) => m.cpuPerRequest);
  const compare = (
    figure: string,
    ours: Scenario,
    peer: Scenario,
    target?: Target,
    series: (s: Scenario) => number[] = rps,
    unit = "req/s",
  ): Figure => ({
    figure,
    ours: DESCRIBE[ours],
    peer: DESCRIBE[peer],
    unit,
    oursValue: median(series(ours)),
    peerValue: median(series(peer)),
    ratio: pairedRatios(series(ours), series(peer)),
    ...(target !== undefined ? { target } : {}),
  });
  const errors = Object.values(r)
    .flat()
    .reduce((n, m) => n + m.errors, 0);
  await writeResult({
    name: "push-throughput",
    description: `A2A requests with an echo handler and unique messageIds from a load-generator process (${CONNECTIONS} connections) to servers each in its own child process; ${ROUNDS} rounds of ${DURATION_MS / 1000} s per server after a ${WARMUP_MS / 1000} s warm-up, order rotated.`,
    rounds: ROUNDS,
    figures: [
      compare("message/send req/s", "ours", "a2a-js", { on: "ratio", op: ">=", value: 2 }),
      compare("message/send req/s", "ours", "floor", { on: "ratio", op: ">=", value: 0.7 }),
      compare("message/send req/s", "remote-agent", "a2a-js", { on: "ratio", op: ">=", value: 2 }),
      compare("message/send req/s", "remote-agent", "floor"),
      compare("SendMessage (v1.0) req/s", "ours v1", "a2a-js v1"),
      compare("server CPU per message/send", "ours", "a2a-js", undefined, cpu, "µs"),
      compare("server CPU per message/send", "remote-agent", "a2a-js", undefined, cpu, "µs"),
      {
        figure: "failed requests, all scenarios",
        ours: "every server above",
        peer: "none",
        unit: "requests",
        oursValue: errors,
        target: { on: "ours", op: "<=", value: 0 },
      },
    ],
    notes: [
      "the load generator shares the machine's cores with the server it loads, so req/s is bounded by both; the ratios compare servers under the same bound.",
    ],
  });
} finally {
  for (const { server, loader } of servers.values()) {
    await loader?.close();
    await stopServer(server);
  }
  const exited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await exited;
}
