// The benchmarks `./dev bench` runs, in this order. To add one: write `bench/src/<name>.ts` (it
// ends with `writeResult({ name, ... })`) and add a line here; see the contract in bench/README.md.

/** One benchmark: its script is `bench/src/<name>.ts`, run in its own Node process. */
export interface BenchmarkEntry {
  name: string;
  /** Extra Node flags for the benchmark's process (e.g. `--expose-gc`). */
  nodeArgs?: string[];
  /** The runner kills the benchmark after this long (its share of the 10-minute budget). */
  timeoutMs: number;
}

export const BENCHMARKS: readonly BenchmarkEntry[] = [
  { name: "emulator-heartbeat", timeoutMs: 60_000 },
  { name: "canvas", timeoutMs: 420_000 },
  { name: "client-overhead", timeoutMs: 90_000 },
  { name: "push-throughput", timeoutMs: 240_000 },
  { name: "inbound-latency", timeoutMs: 150_000 },
  { name: "conversation-latency", timeoutMs: 150_000 },
  { name: "mcp-notify", timeoutMs: 90_000 },
  { name: "conversation-load", timeoutMs: 480_000 },
  // 100,000 round trips (SOAK_ROUND_TRIPS): about 4 minutes at 500 round trips/s.
  { name: "soak", timeoutMs: 600_000 },
  { name: "fleet", nodeArgs: ["--expose-gc"], timeoutMs: 180_000 },
  // One 20-agent org at 120/min on a 20x platform clock: about 40 s.
  { name: "spent-budget", timeoutMs: 150_000 },
  { name: "plugin-install", timeoutMs: 150_000 },
  { name: "import-cost", timeoutMs: 90_000 },
  // 3 rounds of three processes, each measured 20 s after its start.
  { name: "footprint", timeoutMs: 300_000 },
  // Three bursts (300 x 1 KiB, 300 x 64 KiB, 100 x 1 MiB), 200 ms handlers: about 70 s (a
  // stalled burst: 90 s more).
  { name: "burst-memory", timeoutMs: 300_000 },
  { name: "replicas", timeoutMs: 420_000 },
  { name: "serverless", timeoutMs: 300_000 },
];

/** Registered benchmarks without an entry in `results` (by name). */
export function missingResults(results: readonly { name: string }[]): string[] {
  return BENCHMARKS.map((b) => b.name).filter((n) => !results.some((r) => r.name === n));
}

/** A benchmark's position in the run order (unregistered: after all registered ones). */
function rank(name: string): number {
  const i = BENCHMARKS.findIndex((b) => b.name === name);
  return i === -1 ? BENCHMARKS.length : i;
}

/** `results` in the order `./dev bench` runs them (unregistered ones last, by name). */
export function inRunOrder<R extends { name: string }>(results: readonly R[]): R[] {
  return [...results].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}
