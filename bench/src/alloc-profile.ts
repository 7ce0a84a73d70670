// Reads a sampling heap profile (fleet-run.ts' FLEET_ALLOC_PROFILE, or any .heapprofile) and prints
// the bytes allocated by place (package, agent-core's dist file, Node's internals) and by function,
// self and inclusive, each as a share of the whole.
// Run: node bench/src/alloc-profile.ts <file> [top]
import { readFileSync } from "node:fs";
import { place } from "./profile-place.ts";

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: alloc-profile.ts <file> [top]");
const top = Number(topArg ?? 30);
const { head } = JSON.parse(readFileSync(file, "utf8")) as { head: Node };

const byPlace = new Map<string, number>();
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
function walk(n: Node, stack: Set<string>): number {
  const { functionName, url, lineNumber } = n.callFrame;
  const key = `${functionName || "(anonymous)"} ${place(url, functionName)}:${lineNumber + 1}`;
  const where = place(url, functionName);
  byPlace.set(where, (byPlace.get(where) ?? 0) + n.selfSize);
  self.set(key, (self.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  const fresh = !stack.has(key);
  if (fresh) stack.add(key);
  let sum = n.selfSize;
  for (const c of n.children) sum += walk(c, stack);
  if (fresh) {
    stack.delete(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
  }
  return sum;
}
walk(head, new Set());

const mib = (b: number): string =>
  `${(b / 2 ** 20).toFixed(1).padStart(8)} MiB ${((100 * b) / total).toFixed(1).padStart(5)} %`;
const print = (title: string, m: Map<string, number>): void => {
  process.stdout.write(`-- ${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${mib(v)}  ${k}\n`);
};
process.stdout.write(`total sampled ${(total / 2 ** 20).toFixed(1)} MiB\n`);
print("by place (self)", byPlace);
print("by function (self)", self);
print("by function (inclusive)", inclusive);
