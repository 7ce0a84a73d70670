// Reads the .cpuprofile files of conversation-load's measured pair (BENCH_AGENT_NODE_ARGS=
// "--cpu-prof --cpu-prof-dir=<dir>") and the round marks the asker wrote (BENCH_ROUND_MARKS=<file>),
// and prints, per profile, the sampled self-time of round 1, of rounds 2-5 (per round) and of the
// last 10 rounds (per round), by file or package and by function (each sample counted as one
// sampling interval, the median gap between samples), counting only samples within the rounds'
// own spans (conversation-load alternates sides: other pairs' rounds run in between).
// Run: node bench/src/profile-rounds.ts <dir> <marks-file> [top]
import { readdirSync, readFileSync } from "node:fs";
import { place } from "./profile-place.ts";
import { join } from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Mark {
  round: number;
  startUs: number;
  endUs: number;
}

const [dir, marksFile, topArg] = process.argv.slice(2);
if (!dir || !marksFile) throw new Error("usage: profile-rounds.ts <dir> <marks-file> [top]");
const top = Number(topArg ?? 25);
const marks: Mark[] = readFileSync(marksFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Mark);

/** The `top` largest entries of `m`. */
function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
}

/** Whether `t` is in one of `windows` (each [from, to)). */
function within(windows: Array<[number, number]>, t: number): boolean {
  return windows.some(([from, to]) => t >= from && t < to);
}

function summarise(p: Profile, windows: Array<[number, number]>, per: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byPlace = new Map<string, number>();
  const byFn = new Map<string, number>();
  /** Inclusive time of agent-core's and the bench's own functions (every frame on the stack). */
  const incl = new Map<string, number>();
  const interval = [...p.timeDeltas].sort((a, b) => a - b)[p.timeDeltas.length >> 1]!;
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    // Each sample counts one sampling interval: on a loaded machine the gap to the next sample
    // includes moments the process waited for a core, which would land on whatever was running.
    const dt = interval;
    if (!within(windows, t)) continue;
    const n = byId.get(p.samples[i]!)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") continue;
    total += dt;
    const pl = place(url, functionName);
    byPlace.set(pl, (byPlace.get(pl) ?? 0) + dt);
    const fn = `${functionName || "(anonymous)"} ${pl}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const at = place(f.url, f.functionName);
      if (!at.startsWith("core:") && !at.startsWith("bench/")) continue;
      const k = `${f.functionName || "(anonymous)"} ${at}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  }
  const ms = (us: number) => (us / 1000 / per).toFixed(2).padStart(8);
  console.log(`  busy ${ms(total)} ms per round`);
  console.log("  by place:");
  for (const [k, v] of sorted(byPlace)) console.log(`    ${ms(v)}  ${k}`);
  console.log("  by function:");
  for (const [k, v] of sorted(byFn)) console.log(`    ${ms(v)}  ${k}`);
  console.log("  agent-core's functions, inclusive:");
  for (const [k, v] of sorted(incl)) console.log(`    ${ms(v)}  ${k}`);
}

for (const f of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as Profile;
  const end = p.startTime + p.timeDeltas.reduce((a, b) => a + b, 0);
  const mine = marks.filter((m) => m.startUs >= p.startTime && m.endUs <= end);
  if (mine.length < 6) continue;
  console.log(`\n=== ${f}: ${mine.length} rounds`);
  const windows: [string, Mark[]][] = [
    ["start-up (profile start to round 1)", []],
    ["round 1", mine.slice(0, 1)],
    ["rounds 2-5, per round", mine.slice(1, 5)],
    ["last 10 rounds, per round", mine.slice(-10)],
  ];
  for (const [label, ms] of windows) {
    console.log(`\n-- ${label}`);
    // Each round's own span: conversation-load alternates sides, so other pairs run in between.
    if (ms.length === 0) summarise(p, [[p.startTime, mine[0]!.startUs]], 1);
    else
      summarise(
        p,
        ms.map((m) => [m.startUs, m.endUs]),
        ms.length,
      );
  }
}
