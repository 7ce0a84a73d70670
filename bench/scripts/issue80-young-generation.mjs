// Issue #80 measurement (`./dev node bench/scripts/issue80-young-generation.mjs`): does the pace at
// which a process creates the objects it keeps change how large V8 grows its young generation?
// Each case runs in a fresh Node process (no flags): it keeps KEPT small objects (about 170 bytes
// each with their strings and arrays, like an agent's state: all survive), created BATCH at a time
// with a GAP_MS pause between batches, and prints the size of V8's new space at the end and the
// largest seen, with the heap in use. Nothing else allocates, so a pause is a quiet process.
import { execFileSync } from "node:child_process";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

const CASES = [
  // kept, batch, gap (ms): all at once; paced over about 3 s and about 20 s; less kept, paced
  [300_000, 300_000, 0],
  [300_000, 1_000, 10],
  [300_000, 300, 20],
  [100_000, 300, 20],
  [50_000, 300, 20],
];

const newSpaceMiB = () =>
  getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;

if (process.env.CASE) {
  const [kept, batch, gap] = process.env.CASE.split(",").map(Number);
  const keep = [];
  let largest = newSpaceMiB();
  for (let i = 0; i < kept; i += batch) {
    for (let j = i; j < Math.min(kept, i + batch); j++) keep.push({ a: j, b: `x${j}`, c: [i, j] });
    if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
    largest = Math.max(largest, newSpaceMiB());
  }
  const used = getHeapStatistics().used_heap_size / 1048576;
  console.log(
    `kept ${kept.toLocaleString("en")} objects, ${batch.toLocaleString("en")} every ${gap} ms: ` +
      `new space ${newSpaceMiB()} MiB (largest ${largest}), heap in use ${used.toFixed(1)} MiB (${keep.length === kept ? "all kept" : "?"})`,
  );
} else {
  console.log(`Node ${process.version}, no flags; each case in a fresh process:`);
  for (const c of CASES) {
    const out = execFileSync(process.execPath, [process.argv[1]], {
      env: { ...process.env, CASE: c.join(",") },
      encoding: "utf8",
    });
    process.stdout.write(out);
  }
}
