// serverless: a workspace in a Cloudflare Worker (examples/worker-workspace under `wrangler dev`,
// claims in PostgreSQL through its Hyperdrive binding) and in a Next.js app (examples/next-workspace,
// `next build` once, then `next start`): its Node.js route without claims, the same route with
// claims (DATABASE_URL) and its edge route (`runtime = "edge"`, core's edge build, no claims),
// beside a long-running RemoteAgent with push delivery (push-servers.ts remote-agent, no shared
// store), each in its own process and registered with the emulator (its own child process). Each
// round starts every side cold (a new process, a new workspace), in an order rotated every round,
// and measures:
//   - the first answer after a cold start: from spawning the side's process to the first peer call
//     answered through the emulator's A2A proxy (readiness, the registration and that call), and
//     that first call's own latency;
//   - 100 sequential calls through the proxy right after it (p50, p95);
// then stops the side. The Worker and the Next routes are registered by this process once their
// server is ready (their deploy step: scripts/register.ts, `edge` for the edge route); the
// RemoteAgent registers itself when it starts. The claims' tables are migrated once before the
// rounds (a deploy step), so no round's first message creates them.
// Informational (no targets): the ratios say what each serverless side costs beside a RemoteAgent
// on this machine, not on Cloudflare's edge or Vercel.
// Run: ./dev bench serverless   (env: BENCH_ROUNDS 3, BENCH_N 100 calls per round)
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { createPostgresClaims } from "@molecule-ai/postgres/claims";
import { freePort } from "../../internal/test-utils/src/free-port.ts";
import { startPgServer } from "../../packages/postgres/test/pg-server.ts";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios, percentile } from "./harness/stats.ts";
import { startServer, stopServer } from "./push-servers.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N = Number(process.env.BENCH_N ?? 100);
const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const WORKER_DIR = join(EXAMPLES, "worker-workspace");
const NEXT_DIR = join(EXAMPLES, "next-workspace");

const SIDES = ["remote-agent", "worker", "next", "next-claims", "next-edge"] as const;
type SideName = (typeof SIDES)[number];

/** One cold start of a side: its first answer and the calls after it, in ms. */
interface Run {
  /** Process spawned -> first peer call answered through the proxy. */
  coldMs: number;
  /** The first call's own latency (sent -> answered). */
  firstCallMs: number;
  /** The N sequential calls after the first. */
  calls: number[];
}

/** A side started cold: how to stop it, and its server's output so far (for a failure's report). */
interface Started {
  stop: () => Promise<void>;
  output?: () => string;
}

const emu = await spawnEmulator();
// The Worker claims each pushed message in PostgreSQL through its Hyperdrive binding, the Next
// Node.js route with claims through DATABASE_URL: one database each, migrated once here.
const pg = await startPgServer();
const claimsDb = await pg.createDatabase("serverless_claims");
const nextClaimsDb = await pg.createDatabase("serverless_next_claims");
for (const connectionString of [claimsDb, nextClaimsDb]) {
  const claims = createPostgresClaims({ connectionString });
  try {
    await claims.migrate();
  } finally {
    await claims.close();
  }
}
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
const c = await admin.createExternalWorkspace({ name: "serverless-caller" });
const caller = new PlatformClient({ platformUrl: emu.url, workspaceId: c.id, token: c.token! });

/** Environment for the example apps: no telemetry, no update checks. */
function quietEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    CI: "true",
    NEXT_TELEMETRY_DISABLED: "1",
    WRANGLER_SEND_METRICS: "false",
  };
}

/** Runs a command to completion in `cwd`; rejects with its output on failure. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  return new Promise<void>((resolve, reject) =>
    child.once("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out}`)),
    ),
  );
}

/** Spawns a server in its own process group; resolves once its output matches `ready`. */
async function serve(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const seen = (b: Buffer) => {
      out += b.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.once("exit", (code) => reject(new Error(`${cmd} exited ${code}:\n${out}`)));
  });
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-(child.pid as number), "SIGTERM");
        await exited;
      }
    },
  };
}

/** Registers a serverless side's push URL with its own token, as its deploy step does. */
async function deployStep(id: string, token: string, url: string, name: string): Promise<void> {
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: id, token });
  try {
    await client.register({ url, agentCard: { name } });
    await client.heartbeat();
  } finally {
    await client.close();
  }
}

/** Starts a side cold (spawned at the call) for workspace `ws`. */
async function start(side: SideName, ws: { id: string; token: string }): Promise<Started> {
  const workspaceEnv = {
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: ws.id,
    MOLECULE_WORKSPACE_TOKEN: ws.token,
  };
  if (side === "remote-agent") {
    const s = await startServer("remote-agent", {
      BENCH_EMULATOR_URL: emu.url,
      BENCH_WORKSPACE_ID: ws.id,
      BENCH_WORKSPACE_TOKEN: ws.token,
    });
    return { stop: () => stopServer(s) };
  }
  const pathSecret = randomBytes(24).toString("base64url");
  const port = await freePort();
  if (side === "worker") {
    const home = await mkdtemp(join(tmpdir(), "bench-wrangler-"));
    const vars = { ...workspaceEnv, MOLECULE_PATH_SECRET: pathSecret };
    const s = await serve(
      join(WORKER_DIR, "node_modules", ".bin", "wrangler"),
      [
        "dev",
        "--ip",
        "localhost",
        "--port",
        String(port),
        "--inspector-port",
        String(await freePort()),
        "--show-interactive-dev-session=false",
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ],
      WORKER_DIR,
      {
        ...quietEnv(home),
        XDG_CONFIG_HOME: home,
        WRANGLER_LOG_PATH: home,
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: claimsDb,
      },
      /Ready on http:\/\/\S+:\d+/,
    );
    await deployStep(ws.id, ws.token, `http://localhost:${port}/a2a/${pathSecret}`, "worker");
    return {
      output: s.output,
      stop: async () => {
        await s.stop();
        await rm(home, { recursive: true, force: true });
      },
    };
  }
  // The Next app: each side gets only its own route's environment (the edge route's is
  // MOLECULE_EDGE_*; DATABASE_URL only for the Node.js route with claims).
  const edge = side === "next-edge";
  const routeEnv: Record<string, string> = edge
    ? {
        MOLECULE_PLATFORM_URL: emu.url,
        MOLECULE_EDGE_WORKSPACE_ID: ws.id,
        MOLECULE_EDGE_WORKSPACE_TOKEN: ws.token,
        MOLECULE_EDGE_PATH_SECRET: pathSecret,
      }
    : { ...workspaceEnv, MOLECULE_PATH_SECRET: pathSecret };
  if (side === "next-claims") routeEnv.DATABASE_URL = nextClaimsDb;
  const s = await serve(
    join(NEXT_DIR, "node_modules", ".bin", "next"),
    ["start", "-H", "localhost", "-p", String(port)],
    NEXT_DIR,
    { ...quietEnv(process.env.HOME ?? tmpdir()), ...routeEnv },
    /Ready in/,
  );
  const route = edge ? "molecule-edge" : "molecule";
  await deployStep(ws.id, ws.token, `http://localhost:${port}/api/${route}/${pathSecret}`, side);
  return { stop: s.stop, output: s.output };
}

/** One peer call through the proxy, answered; its latency in ms. */
async function call(id: string, text: string): Promise<number> {
  const t0 = performance.now();
  const r = await caller.callPeer(id, text);
  const ms = performance.now() - t0;
  if (r.status !== "completed") throw new Error(`call to ${id} was ${r.status}`);
  if (!r.text.includes(text)) throw new Error(`call to ${id} answered ${JSON.stringify(r.text)}`);
  return ms;
}

/** Starts `side` cold, times its first answer and N sequential calls, stops it. */
async function measure(side: SideName, round: number): Promise<Run> {
  const w = await admin.createExternalWorkspace({ name: `${side}-${round}` });
  const t0 = performance.now();
  const s = await start(side, { id: w.id, token: w.token! });
  try {
    const firstCallMs = await call(w.id, "first");
    const coldMs = performance.now() - t0;
    const calls: number[] = [];
    for (let i = 0; i < N; i++) calls.push(await call(w.id, `ping ${i}`));
    console.log(
      `round ${round} ${side}: first answer ${coldMs.toFixed(0)} ms (its call ${firstCallMs.toFixed(1)} ms), p50 ${percentile(calls, 50).toFixed(2)} ms`,
    );
    return { coldMs, firstCallMs, calls };
  } catch (err) {
    const out = s.output?.() ?? "";
    if (out !== "")
      console.error(`round ${round} ${side} failed; its server's output:\n${out.slice(-4000)}`);
    throw err;
  } finally {
    await s.stop();
  }
}

let buildMs = Number.NaN;
try {
  // `next build` once, without any Molecule environment, by the example's own build script (as its
  // tests build). A smoke run keeps a build newer than every input (CI built it before the tests).
  const b0 = performance.now();
  await run(
    process.execPath,
    ["scripts/build.ts", ...(process.env.BENCH_SMOKE === "1" ? ["--if-stale"] : [])],
    NEXT_DIR,
    quietEnv(process.env.HOME ?? tmpdir()),
  );
  buildMs = performance.now() - b0;

  const r = await runRounds(SIDES, ROUNDS, measure);

  const RA =
    "RemoteAgent, push delivery, echo handler, in its own Node process (push-servers.ts remote-agent): the long-running kind of workspace, started cold like the others; no `store` option, so no shared store (de-duplication by messageId in its memory only)";
  const NEXT =
    "examples/next-workspace, `next start` (Next 16.4, one server process on this machine, not Vercel)";
  const OURS: Record<Exclude<SideName, "remote-agent">, { name: string; ours: string }> = {
    worker: {
      name: "Worker",
      ours: "examples/worker-workspace under `wrangler dev` (wrangler 4.164: local workerd on this machine, not Cloudflare's edge), core's edge build; claims each pushed message in PostgreSQL through its Hyperdrive binding (locally no Hyperdrive pooling: a new connection per request, then the schema check, the claim and the settle)",
    },
    next: {
      name: "Next Node.js route",
      ours: `${NEXT}: the Node.js route, without DATABASE_URL, so no claims (a resend is handled once per instance only)`,
    },
    "next-claims": {
      name: "Next Node.js route with claims",
      ours: `${NEXT}: the Node.js route with DATABASE_URL set: claims each pushed message in PostgreSQL (createPostgresClaims, one pool per instance, kept between requests)`,
    },
    "next-edge": {
      name: "Next edge route",
      ours: `${NEXT}: the edge route (runtime = "edge", core's edge build, in Next's edge sandbox), no claims (the edge runtime opens no TCP socket for pg)`,
    },
  };
  const of = (k: "coldMs" | "firstCallMs", s: SideName) => r[s].map((x) => x[k]);
  const p = (s: SideName, q: number) => r[s].map((x) => percentile(x.calls, q));
  const all = (s: SideName, q: number) =>
    percentile(
      r[s].flatMap((x) => x.calls),
      q,
    );
  const fig = (side: Exclude<SideName, "remote-agent">) => {
    const { name, ours } = OURS[side];
    return [
      {
        figure: `${name}: first answer after a cold start (process spawned -> first peer call answered through the proxy)`,
        ours,
        peer: RA,
        unit: "ms",
        oursValue: median(of("coldMs", side)),
        peerValue: median(of("coldMs", "remote-agent")),
        ratio: pairedRatios(of("coldMs", side), of("coldMs", "remote-agent")),
      },
      {
        figure: `${name}: the first call's own latency (sent -> answered, after registration)`,
        ours,
        peer: RA,
        unit: "ms",
        oursValue: median(of("firstCallMs", side)),
        peerValue: median(of("firstCallMs", "remote-agent")),
        ratio: pairedRatios(of("firstCallMs", side), of("firstCallMs", "remote-agent")),
      },
      {
        figure: `${name}: peer call through the proxy p50, ${N} sequential calls after the first`,
        ours,
        peer: RA,
        unit: "ms",
        oursValue: all(side, 50),
        peerValue: all("remote-agent", 50),
        ratio: pairedRatios(p(side, 50), p("remote-agent", 50)),
      },
      {
        figure: `${name}: peer call through the proxy p95, ${N} sequential calls after the first`,
        ours,
        peer: RA,
        unit: "ms",
        oursValue: all(side, 95),
        peerValue: all("remote-agent", 95),
        ratio: pairedRatios(p(side, 95), p("remote-agent", 95)),
      },
    ];
  };

  await writeResult({
    name: "serverless",
    description:
      "A workspace in a Cloudflare Worker (wrangler dev, local workerd, claims in PostgreSQL) and in a Next.js app (next start: the Node.js route without and with claims, the edge route) beside a long-running RemoteAgent (push): first answer after a cold start and 100 sequential peer calls through the emulator's proxy.",
    rounds: ROUNDS,
    figures: [
      ...fig("worker"),
      ...fig("next"),
      ...fig("next-claims"),
      ...fig("next-edge"),
      {
        figure: "`next build` of examples/next-workspace (once per run, before the rounds)",
        ours: "next build (Next 16.4), no Molecule environment",
        peer: "none",
        unit: "ms",
        oursValue: buildMs,
      },
    ],
    notes: [
      "Each round starts every side cold (a new process, a new workspace), in an order rotated every round; the emulator, each side and this process (the calling peer) are separate processes on one 2-core machine shared with other work, so absolute figures are noisy and the ratios are paired per round.",
      "The Worker runs in local workerd started by `wrangler dev` (which also bundles the Worker at start-up), not on Cloudflare's edge; each Next side is one `next start` process of the same build on this machine, not a Vercel function (the edge route runs in Next's local edge sandbox, not Vercel's Edge Network). No figure says what a cold start costs on those platforms.",
      "First answer after a cold start: from spawning the process to the first call answered through the emulator's proxy. For the Worker and the Next routes it includes the server's own start-up until it prints that it is ready, their deploy step (register + heartbeat from this process) and the first request, which builds the client and handler lazily (the edge route's first request also loads its edge function into Next's sandbox); the RemoteAgent's includes Node's start-up, importing core and its own registration.",
      "Claims: the Worker claims each pushed message in PostgreSQL through its Hyperdrive binding (an embedded PostgreSQL on this machine; `wrangler dev` has no Hyperdrive pool, so every request opens a connection and runs the schema check, the claim and the settle); the Next Node.js route claims only in its `with claims` side (DATABASE_URL set: one pool per process, the schema checked once); the plain Node.js route and the edge route run without claims (the edge runtime cannot reach PostgreSQL); the RemoteAgent runs without a `store` (de-duplication by messageId in its memory only, nothing shared). The claims' tables are migrated once before the rounds, as a deploy step would.",
      "Absolute call figures are percentiles over all calls of a side; the ratio is the median of per-round ratios (per-round p50s and p95s).",
      `\`next build\` took ${(buildMs / 1000).toFixed(1)} s once before the rounds (one build serves all three Next sides); it is not part of any cold start.`,
    ],
  });
} finally {
  await caller.close();
  const exited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await exited;
  await pg.stop();
}
