// The benchmarks `./dev bench` runs, in this order. To add one: write `bench/src/<name>.ts` (it
// ends with `writeResult({ name, ... })`) and add a line here; see the contract in bench/README.md.

/** One benchmark: its script is `bench/src/<name>.ts`, run in its own Node process. */
export interface BenchmarkEntry {
  name: string;
  /** Extra Node flags for the benchmark's process (e.g. `--expose-gc`). */
  nodeArgs?: string[];
  /** The runner kills the benchmark after this long (its share of the 10-minute budget). */
  timeoutMs: number;
  /**
   * Its smoke run (`BENCH_SMOKE=1`, bench/test/smoke.test.ts): one short round, no verdicts, only
   * proof that it still runs and gives a number for every figure: its arguments and environment.
   */
  smoke: { args?: string[]; env?: Record<string, string> };
}

export const BENCHMARKS: readonly BenchmarkEntry[] = [
  {
    name: "emulator-heartbeat",
    timeoutMs: 60_000,
    smoke: { args: ["--seconds", "1", "--workspaces", "20", "--connections", "4"] },
  },
  {
    name: "canvas",
    timeoutMs: 420_000,
    smoke: {
      args: [
        "--seconds",
        "1",
        "--rounds",
        "1",
        "--workspaces",
        "20",
        "--rate",
        "20",
        "--connections",
        "4",
      ],
    },
  },
  { name: "client-overhead", timeoutMs: 90_000, smoke: { env: { N: "20", ROUNDS: "1" } } },
  {
    name: "push-throughput",
    timeoutMs: 240_000,
    smoke: {
      env: {
        BENCH_ROUNDS: "1",
        BENCH_WARMUP_MS: "100",
        BENCH_DURATION_MS: "100",
        BENCH_CONNECTIONS: "4",
      },
    },
  },
  {
    name: "inbound-latency",
    timeoutMs: 150_000,
    smoke: { env: { BENCH_ROUNDS: "1", BENCH_N: "3", BENCH_N_POLL: "1" } },
  },
  {
    name: "conversation-latency",
    timeoutMs: 150_000,
    smoke: { env: { BENCH_ROUNDS: "1", BENCH_N: "3", BENCH_N_POLL: "1" } },
  },
  {
    name: "mcp-notify",
    timeoutMs: 90_000,
    smoke: { env: { BENCH_ROUNDS: "1", BENCH_N: "3", BENCH_N_POLL: "1" } },
  },
  {
    name: "conversation-load",
    timeoutMs: 480_000,
    smoke: {
      env: {
        BENCH_COLD_ROUNDS: "1",
        BENCH_WARMUP_ROUNDS: "1",
        BENCH_EARLY_ROUNDS: "1",
        BENCH_WARM_FROM: "4",
        BENCH_ROUNDS: "1",
        BENCH_EMULATOR_WARMUP_ROUNDS: "1",
        BENCH_CONCURRENCY: "10",
      },
    },
  },
  // 100,000 round trips (SOAK_ROUND_TRIPS): about 4 minutes at 500 round trips/s.
  {
    name: "soak",
    timeoutMs: 600_000,
    smoke: { env: { SOAK_ROUND_TRIPS: "300", SOAK_SAMPLE_EVERY: "100", SOAK_WARMUP: "100" } },
  },
  {
    name: "fleet",
    nodeArgs: ["--expose-gc"],
    timeoutMs: 180_000,
    smoke: {
      env: {
        FLEET_SIZES: "10",
        FLEET_CONFIGS: "defaults",
        FLEET_WINDOW_MS: "2000",
        FLEET_MESSAGES: "5",
      },
    },
  },
  // One 20-agent org at 120/min on a 20x platform clock: about 40 s.
  { name: "spent-budget", timeoutMs: 150_000, smoke: { env: { SPENT_BUDGET_SCALE: "50" } } },
  {
    name: "plugin-install",
    timeoutMs: 150_000,
    smoke: { args: ["--mib", "1", "--files", "2", "--rounds", "1"] },
  },
  { name: "import-cost", timeoutMs: 90_000, smoke: { env: { BENCH_ROUNDS: "1" } } },
  // 3 rounds of three processes, each measured 20 s after its start.
  {
    name: "footprint",
    timeoutMs: 300_000,
    smoke: { env: { BENCH_ROUNDS: "1", FOOTPRINT_AFTER_MS: "1000" } },
  },
  // Three bursts (300 x 1 KiB, 300 x 64 KiB, 100 x 1 MiB), 200 ms handlers: about 70 s (a
  // stalled burst: 90 s more). Needs a writable cgroup v1 memory controller (root).
  {
    name: "burst-memory",
    timeoutMs: 300_000,
    smoke: { env: { BURST_CASES: "65536x20", BURST_HANDLER_MS: "10", BURST_CASE_MS: "30000" } },
  },
  { name: "replicas", timeoutMs: 420_000, smoke: { env: { BENCH_ROUNDS: "1", BENCH_N: "5" } } },
  { name: "serverless", timeoutMs: 300_000, smoke: { env: { BENCH_ROUNDS: "1", BENCH_N: "2" } } },
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
