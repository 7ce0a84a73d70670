import { defineProjectConfig, workers } from "@internal/config/vitest";

// Most files wait on sockets and timers (emulators, agents, rate windows), not on the CPU: three run
// at once even on a 2-core machine, those that wait longest first, so that none of them starts
// last and ends the run alone. The files that measure time or load the CPU hard (a rate budget at
// ten times the platform's speed, a settle window, a recovery bound, a 1 GiB gzip bomb, agents
// killed in a loop, 600 queued messages) run one at a time after them.
export default defineProjectConfig(
  {},
  {
    name: "core",
    maxWorkers: workers(3),
    slowFirst: [
      "test/hosted-rate-limit.test.ts",
      "test/agent-fleet.test.ts",
      "test/transcript-flood.test.ts",
      "test/transcript-owner.test.ts",
      "test/store-honest.test.ts",
      "test/a2a-server-limits.test.ts",
      "test/push-keep-alive.test.ts",
      "test/rate-budget-fleet.test.ts",
      "test/inbound-late-rows.test.ts",
    ],
    alone: [
      "test/rate-budget-fleet.test.ts",
      "test/inbound-late-rows.test.ts",
      "test/agent-nat-relay.test.ts",
      "test/plugins-install.test.ts",
      "test/agent-chaos.test.ts",
      "test/inbound-backfill.test.ts",
      "test/agent-start-gate.test.ts", // counts pooled connections, which a busy CPU makes expire
      "test/agent-start-burst.test.ts", // 100 starts' CPU, at four times the platform's speed
      "test/agent-stream-quiet-platform.test.ts",
    ],
  },
);
