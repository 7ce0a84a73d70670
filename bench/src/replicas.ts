// replicas: N replicas of one poll agent sharing the PostgreSQL store (@molecule-ai/postgres), on
// one workspace of the emulator; every replica, the emulator and PostgreSQL run in their own
// processes. Each round runs, in rotated order:
//   three: 3 replica processes (concurrency 4 each, 50 ms handler);
//   one:   the same program as 1 replica.
// 1,000 messages are queued on the platform, then the replicas start; throughput is messages /
// (last handler done - first handler start), latency is first handler start -> each message's
// handler done (so the sender's speed is not measured). A last run kills one of 3 replicas
// (kill -9) mid-run and counts lost and re-run messages.
// Targets: throughput ratio 3 vs 1 >= 2.7; 0 lost and 0 handled twice (no kill); 0 lost (kill).
// Run: ./dev bench replicas  (env: BENCH_ROUNDS 2, BENCH_N 1000)
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { startPgServer } from "../../packages/postgres/test/pg-server.ts";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";
import { runRounds } from "./harness/rounds.ts";
import { median, pairedRatios, percentile } from "./harness/stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const N = Number(process.env.BENCH_N ?? 1000);
const HANDLER_MS = 50;
const CHILD = join(import.meta.dirname, "../../packages/postgres/test/fixtures/replica-child.mjs");

const emu = await spawnEmulator();
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
const pg = await startPgServer();
const dir = await mkdtemp(join(tmpdir(), "bench-replicas-"));

interface Run {
  /** Messages per second, first send to last handler done. */
  throughput: number;
  p50: number;
  p99: number;
  lost: number;
  /** Messages whose handler started more than once. */
  rerun: number;
  /** Re-runs not flagged `ctx.redelivered`. */
  unflagged: number;
}

function startChild(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => b.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`replica exited early (${code})`)));
  });
  return { child, ready };
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean);
}

/** Runs `replicas` replica processes on a fresh workspace and database; `kill` kills one mid-run. */
async function run(replicas: number, kill = false): Promise<Run> {
  const ws = await admin.createExternalWorkspace({ name: `replicas-${replicas}` });
  const sender = await admin.createExternalWorkspace({ name: `sender-${replicas}` });
  const db = await pg.createDatabase(`b_${randomUUID().replaceAll("-", "").slice(0, 16)}`);
  const logs = Array.from({ length: replicas }, (_, i) => join(dir, `${ws.id}-${i}.log`));
  const kids = logs.map((log, i) =>
    startChild({
      PLATFORM_URL: emu.url,
      WS_ID: ws.id,
      WS_TOKEN: ws.token!,
      DB_URL: db,
      LOG_FILE: log,
      REPLICA_ID: `r${i}`,
      HANDLER_MS: String(HANDLER_MS),
      CONCURRENCY: "4",
      VISIBILITY_MS: "2000",
      LEASE_MS: "2000",
    }),
  );
  const peer = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: sender.id,
    token: sender.token!,
  });
  const ids = Array.from({ length: N }, () => randomUUID());
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await peer.callPeer(ws.id, `job ${id}`, { messageId: id });
      }
    }),
  );
  await peer.close();
  await Promise.all(kids.map(async (k) => await k.ready));
  const doneOf = async (): Promise<Map<string, number>> => {
    const done = new Map<string, number>();
    for (const log of logs) {
      for (const l of await lines(log)) {
        const [kind, id, at] = l.split(" ");
        if (kind === "D" && id && !done.has(id)) done.set(id, Number(at));
      }
    }
    return done;
  };
  if (kill) {
    // Mid-run: once the replica logged 60 lines (30 of 1,000 messages; fewer for a smaller N), or
    // the run is over without it (a short smoke run).
    const mid = Math.min(60, Math.max(2, Math.floor(N / 16)));
    while ((await lines(logs[1]!)).length < mid && (await doneOf()).size < N)
      await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise((r) => kids[1]!.child.once("exit", r));
    kids[1]!.child.kill("SIGKILL");
    await exited;
  }
  const deadline = Date.now() + 120_000;
  let done = await doneOf();
  while (done.size < N && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    done = await doneOf();
  }
  for (const k of kids)
    if (k.child.exitCode === null && k.child.signalCode === null) k.child.kill("SIGTERM");
  const ended = (k: (typeof kids)[number]): boolean =>
    k.child.exitCode !== null || k.child.signalCode !== null;
  await Promise.all(
    kids.map(async (k) => ended(k) || (await new Promise((r) => k.child.once("exit", r)))),
  );
  const starts = new Map<string, number[]>();
  for (const log of logs) {
    for (const l of await lines(log)) {
      const [kind, id, flag, at] = l.split(" ");
      if (kind === "S" && id)
        starts.set(id, [...(starts.get(id) ?? []), Number(at) * 10 + Number(flag)]);
    }
  }
  let rerun = 0;
  let unflagged = 0;
  for (const s of starts.values()) {
    if (s.length < 2) continue;
    rerun++;
    const flags = s.sort((a, b) => a - b).map((v) => v % 10);
    if (flags.slice(1).some((f) => f !== 1)) unflagged++;
  }
  const t0 = Math.min(...[...starts.values()].flat().map((v) => Math.floor(v / 10)));
  const latencies = ids.filter((id) => done.has(id)).map((id) => done.get(id)! - t0);
  const last = Math.max(...done.values());
  return {
    throughput: (done.size / (last - t0)) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    lost: ids.filter((id) => !done.has(id)).length,
    rerun,
    unflagged,
  };
}

try {
  const r = await runRounds(["three", "one"] as const, ROUNDS, async (side, round) => {
    const x = await run(side === "three" ? 3 : 1);
    console.log(
      `  round ${round + 1} ${side}: ${x.throughput.toFixed(1)} msg/s, p99 ${x.p99.toFixed(0)} ms, lost ${x.lost}, re-run ${x.rerun}`,
    );
    return x;
  });
  const killed = await run(3, true);
  console.log(
    `  kill -9: lost ${killed.lost}, re-run ${killed.rerun} (${killed.unflagged} unflagged)`,
  );
  const three =
    "3 RemoteAgent replica processes on one createPostgresStore, concurrency 4, 50 ms handler";
  const one = "the same program as 1 replica (same store, concurrency 4, 50 ms handler)";
  const tp = (s: "three" | "one") => r[s].map((x) => x.throughput);
  const sum = (s: "three" | "one", k: "lost" | "rerun") => r[s].reduce((a, x) => a + x[k], 0);
  await writeResult({
    name: "replicas",
    description: `${N} messages queued on one poll workspace of the emulator, then drained by 3 (vs 1) replica processes of the same agent sharing a PostgreSQL store; ${ROUNDS} rounds, order rotated; then one run with a replica killed (kill -9) mid-run.`,
    rounds: ROUNDS,
    figures: [
      {
        figure: `throughput, ${N} messages, 50 ms handler`,
        ours: three,
        peer: one,
        unit: "msg/s",
        oursValue: median(tp("three")),
        peerValue: median(tp("one")),
        ratio: pairedRatios(tp("three"), tp("one")),
        target: { on: "ratio", op: ">=", value: 2.7 },
      },
      {
        figure: "first handler start to each message's handler done, p99",
        ours: three,
        peer: one,
        unit: "ms",
        oursValue: median(r.three.map((x) => x.p99)),
        peerValue: median(r.one.map((x) => x.p99)),
        ratio: pairedRatios(
          r.three.map((x) => x.p99),
          r.one.map((x) => x.p99),
        ),
      },
      {
        figure: "messages lost or handled twice (no failure), all rounds",
        ours: three,
        peer: "none",
        unit: "messages",
        oursValue:
          sum("three", "lost") + sum("three", "rerun") + sum("one", "lost") + sum("one", "rerun"),
        target: { on: "ours", op: "<=", value: 0 },
      },
      {
        figure: "messages lost, one of 3 replicas killed (kill -9) mid-run",
        ours: three,
        peer: "none",
        unit: "messages",
        oursValue: killed.lost,
        target: { on: "ours", op: "<=", value: 0 },
      },
      {
        figure: "messages re-run after the kill (the killed replica's claims, flagged redelivered)",
        ours: three,
        peer: "none",
        unit: "messages",
        oursValue: killed.rerun,
        target: { on: "ours", op: "<=", value: 4 },
      },
    ],
    notes: [
      "1 replica handles at most 4 / 50 ms = 80 msg/s, 3 replicas 240 msg/s: the ratio shows how much of that the store's claims and wake-ups keep.",
      `re-runs after the kill: ${killed.unflagged} of ${killed.rerun} not flagged redelivered.`,
    ],
  });
} finally {
  await admin.close();
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
  const exited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await exited;
}
