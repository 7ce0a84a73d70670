// soak: does a running pair of default agents hold its memory? Two default RemoteAgents in one
// process of their own (soak-pair.ts: one on poll delivery with the default file store, one on push
// delivery asking it) do SOAK_ROUND_TRIPS round trips (default 100,000), SOAK_CONCURRENCY at a time
// (default 100), through the emulator (its own process). After every SOAK_SAMPLE_EVERY round trips
// (default 2,000) the pair collects garbage and reports its heap and RSS; the heap-after-GC slope
// is a least-squares line through the samples after SOAK_WARMUP round trips (default a fifth of
// the run: the de-dup windows fill and V8 settles first). Issue 60's target: under 8 KiB per 1,000
// round trips. Not paired: the figure is the agents' own (peer "none").
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { spawnEmulator } from "./emulator-process.ts";
import { writeResult } from "./harness/result.ts";

const N = Number(process.env.SOAK_ROUND_TRIPS ?? 100_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 100);
const SAMPLE_EVERY = Number(process.env.SOAK_SAMPLE_EVERY ?? 2_000);
const WARMUP = Number(process.env.SOAK_WARMUP ?? Math.round(N / 5));

interface Sample {
  trips: number;
  heapUsed: number;
  rss: number;
  ms: number;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return num / den;
}

const emu = await spawnEmulator();
const stateDir = await mkdtemp(join(tmpdir(), "soak-"));
const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
let pair: ChildProcess | undefined;
try {
  const poll = await admin.createExternalWorkspace({ name: "soak-poll" });
  const push = await admin.createExternalWorkspace({ name: "soak-push" });
  const child = fork(join(import.meta.dirname, "soak-pair.ts"), [], {
    execArgv: [...process.execArgv, "--expose-gc"],
    env: {
      ...process.env,
      BENCH_EMULATOR_URL: emu.url,
      BENCH_POLL_ID: poll.id,
      BENCH_POLL_TOKEN: poll.token!,
      BENCH_PUSH_ID: push.id,
      BENCH_PUSH_TOKEN: push.token!,
      MOLECULE_STATE_DIR: stateDir,
    },
  });
  pair = child;
  const samples: Sample[] = [];
  const failures = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`soak-pair exited with ${code}`)));
    child.on("message", (m: { ready?: boolean; sample?: Sample; done?: { failures: number } }) => {
      if (m.ready) child.send({ run: N, concurrency: CONCURRENCY, sampleEvery: SAMPLE_EVERY });
      if (m.sample) {
        samples.push(m.sample);
        const s = m.sample;
        console.log(
          `  ${s.trips} round trips, ${(s.ms / 1000).toFixed(1)} s: heap after GC ${(s.heapUsed / 2 ** 20).toFixed(1)} MiB, RSS ${(s.rss / 2 ** 20).toFixed(0)} MiB`,
        );
      }
      if (m.done) resolve(m.done.failures);
    });
  });
  const after = samples.filter((s) => s.trips >= WARMUP);
  const perK = (ys: (s: Sample) => number) =>
    (slope(after.map((s) => ({ x: s.trips / 1000, y: ys(s) }))) / 1024) as number;
  const last = samples.at(-1)!;
  const rate = (last.trips / last.ms) * 1000;
  const ours = `two default RemoteAgents in one process (one on poll delivery with the default file store and event wake-ups, answering; one on push delivery, asking with callPeer), ${CONCURRENCY} round trips in flight, ${N.toLocaleString("en-US")} round trips`;
  await writeResult({
    name: "soak",
    description: `${N.toLocaleString("en-US")} round trips between two default agents (poll with the default store, and push) in one process, through the emulator; heap after GC sampled every ${SAMPLE_EVERY.toLocaleString("en-US")} round trips, its slope fitted after ${WARMUP.toLocaleString("en-US")}.`,
    rounds: 1,
    figures: [
      {
        figure: `heap after GC: slope after ${WARMUP.toLocaleString("en-US")} round trips, per 1,000 round trips`,
        ours,
        peer: "none",
        unit: "KiB",
        oursValue: perK((s) => s.heapUsed),
        target: { on: "ours", op: "<=", value: 8 },
      },
      {
        figure: "heap after GC at the end",
        ours,
        peer: "none",
        unit: "MiB",
        oursValue: last.heapUsed / 2 ** 20,
      },
      {
        figure: `RSS: slope after ${WARMUP.toLocaleString("en-US")} round trips, per 1,000 round trips`,
        ours,
        peer: "none",
        unit: "KiB",
        oursValue: perK((s) => s.rss),
      },
      {
        figure: "RSS at the end (the pair's process)",
        ours,
        peer: "none",
        unit: "MiB",
        oursValue: last.rss / 2 ** 20,
      },
      {
        figure: "RSS, highest sample",
        ours,
        peer: "none",
        unit: "MiB",
        oursValue: Math.max(...samples.map((s) => s.rss)) / 2 ** 20,
      },
      {
        figure: "round trips per second (whole run, sampling pauses included)",
        ours,
        peer: "none",
        unit: "round trips/s",
        oursValue: rate,
      },
      {
        figure: "failed round trips (no or wrong answer)",
        ours,
        peer: "none",
        unit: "round trips",
        oursValue: failures,
        target: { on: "ours", op: "<=", value: 0 },
      },
    ],
    notes: [
      `Samples (round trips: heap after GC MiB / RSS MiB): ${samples.map((s) => `${s.trips}: ${(s.heapUsed / 2 ** 20).toFixed(1)}/${(s.rss / 2 ** 20).toFixed(0)}`).join(", ")}.`,
      "Heap after GC is process.memoryUsage().heapUsed after gc() repeated until it stops shrinking (at most 4 passes), with every round trip of the sample settled; the emulator runs in its own process and is not counted.",
      "SOAK_ROUND_TRIPS, SOAK_CONCURRENCY, SOAK_SAMPLE_EVERY and SOAK_WARMUP change the run; the description says what ran.",
    ],
  });
} finally {
  if (pair !== undefined && pair.exitCode === null && pair.signalCode === null) {
    const exited = new Promise((res) => pair!.once("exit", res));
    pair.kill("SIGTERM");
    await exited;
  }
  await admin.close();
  const emuExited = new Promise((res) => emu.child.once("exit", res));
  emu.child.kill("SIGTERM");
  await emuExited;
  await rm(stateDir, { recursive: true, force: true });
}
