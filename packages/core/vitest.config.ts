import { defineProjectConfig, workers } from "@internal/config/vitest";

// Most files wait on sockets and timers (emulators, agents, rate windows), not on the CPU: four run
// at once even on a 2-core machine. The files that wait longest start first, so that none of them
// starts last and ends the run alone.
export default defineProjectConfig(
  { test: { maxWorkers: workers(4) } },
  {
    slowFirst: [
      "test/hosted-rate-limit.test.ts",
      "test/rate-budget-fleet.test.ts",
      "test/inbound-late-rows.test.ts",
      "test/agent-fleet.test.ts",
      "test/transcript-flood.test.ts",
      "test/transcript-owner.test.ts",
      "test/store-honest.test.ts",
      "test/a2a-server-limits.test.ts",
      "test/agent-chaos.test.ts",
      "test/push-keep-alive.test.ts",
    ],
  },
);
