import { defineProjectConfig, workers } from "@internal/config/vitest";

// Most files wait on sockets and timers (emulators, agents, rate windows), not on the CPU: three run
// at once even on a 2-core machine, those that wait longest first, so that none of them starts
// last and ends the run alone. None runs alone: a test of timing drives its clock, or leaves out
// (and says) how long this process stalled (test-utils' stallMeter), so that a busy machine, this
// suite's other files or a second run beside it change no verdict (issue 116).
export default defineProjectConfig(
  {},
  {
    name: "core",
    maxWorkers: workers(3),
    slowFirst: [
      "test/rate-budget-fleet.test.ts",
      "test/agent-event-connection.test.ts",
      "test/lease-pause.test.ts",
      "test/agent-start-burst.test.ts",
      "test/rate-budget-answers.test.ts",
      "test/hosted-rate-limit.test.ts",
      "test/agent-fleet.test.ts",
      "test/transcript-flood.test.ts",
      "test/agent-emulator.test.ts",
      "test/transcript-owner.test.ts",
      "test/quickstart-path-held.test.ts",
      "test/restart-resume-emulator.test.ts",
      "test/a2a-server-limits.test.ts",
      "test/agent-chaos.test.ts",
      "test/rate-budget-classes.test.ts",
      "test/store-honest.test.ts",
      "test/push-keep-alive.test.ts",
      "test/inbound-late-rows.test.ts",
    ],
  },
);
