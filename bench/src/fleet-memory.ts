// Where a fleet's memory goes, for fleet-run.ts: the growth of each V8 heap space (new_space is the
// young generation, sized by V8 for the allocation rate, not per agent) and, on Linux, of each
// kind of mapping in /proc/self/smaps (FLEET_SMAPS=1; FLEET_SMAPS=2 splits anonymous mappings by
// size: V8's pages are 256 KiB mappings).
import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

/** Committed and used bytes of each V8 heap space. */
export type Spaces = Record<string, { size: number; used: number }>;

/** The V8 heap spaces now. */
export function heapSpaces(): Spaces {
  return Object.fromEntries(
    getHeapSpaceStatistics().map((s) => [
      s.space_name,
      { size: s.space_size, used: s.space_used_size },
    ]),
  );
}

/** Growth of each space from `a` to `b`. */
export function spacesGrowth(
  a: Spaces,
  b: Spaces,
): Record<string, { sizeGrowthBytes: number; usedGrowthBytes: number }> {
  return Object.fromEntries(
    Object.entries(b).map(([name, s]) => [
      name,
      {
        sizeGrowthBytes: s.size - (a[name]?.size ?? 0),
        usedGrowthBytes: s.used - (a[name]?.used ?? 0),
      },
    ]),
  );
}

/** Resident KiB per kind of mapping (Linux; empty elsewhere). */
export function smaps(splitBySize: boolean): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return out;
  }
  let name = "";
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const kib = (parseInt(m[2]!, 16) - parseInt(m[1]!, 16)) / 1024;
      name = (m[3] || "[anon]") + (splitBySize ? ` ${kib} KiB mapping` : "");
    } else if (line.startsWith("Rss:")) {
      out.set(name, (out.get(name) ?? 0) + Number(line.split(/\s+/)[1]));
    }
  }
  return out;
}

/** Writes the mappings whose resident size changed by more than 1 MiB from `a` to `b` (stderr). */
export function printSmapsGrowth(a: Map<string, number>, b: Map<string, number>): void {
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (Math.abs(d) > 1024)
      process.stderr.write(`fleet-run: smaps ${k}: ${d} KiB resident growth\n`);
  }
}
