import { defineProjectConfig, workers } from "@internal/config/vitest";

// Most files wait on sockets and timers (emulators, agents, rate windows), not on the CPU: three run
// at once even on a 2-core machine, those that wait longest first, so that none of them starts
// last and ends the run alone. They share their workers' modules (a file does not load the SDK
// again: 39 % of the suite's CPU), but those in `isolated`. A test of timing drives its clock, or
// leaves out (and says) how long this process stalled (test-utils' stallMeter), so that a busy
// machine, this suite's other files or a second run beside it change no verdict (issue 116).
export default defineProjectConfig(
  {},
  {
    name: "core",
    maxWorkers: workers(3),
    // Before each shared file: the rate budgets and shared contract probes forgotten.
    sharedSetup: ["test/fixtures/fresh-state.ts"],
    // Files that need modules of their own: module mocks (vi.mock), OpenTelemetry's process-wide
    // providers, environment variables set for the SDK to read, this process's memory measured.
    isolated: [
      "test/a2a-remote-agent.test.ts",
      "test/a2a-server-concurrency.test.ts",
      "test/bounds-store-spans.test.ts",
      "test/dedup-window.test.ts",
      "test/edge-tracing.test.ts",
      "test/event-stream-bound.test.ts",
      "test/plugins-setup.test.ts",
      "test/push-refuse-cheaply.test.ts",
      "test/refusal-delivered.test.ts",
      "test/restart-resume-emulator.test.ts",
      "test/saas-tenant.test.ts",
      "test/state-lock-agent.test.ts",
      "test/token-store.test.ts",
      "test/tracing-emulator.test.ts",
      "test/tracing-genai.test.ts",
      "test/tracing-http-headers.test.ts",
      "test/tracing-sampling.test.ts",
      "test/transport-module-loading.test.ts",
      "test/transport-proxy.test.ts",
      "test/transport-tls.test.ts",
    ],
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
    // Agents in memory cgroups, whose peaks come within 15 MiB of their limits: one at a time after
    // the others (beside the shared workers they were OOM-killed in 2 runs of 2, not yet explained).
    alone: ["test/memory-bound.test.ts", "test/memory-bound-large.test.ts"],
  },
);
