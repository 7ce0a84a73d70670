import { defineProjectConfig } from "@internal/config/vitest";

// Type tests (test/*.test-d.ts) run with `vitest --typecheck` through tsc (TypeScript 7). The files
// share their workers' modules (the AI SDK is loaded once per worker, not once per file), but those
// that change the environment (model-check) or register OpenTelemetry process-wide.
export default defineProjectConfig(
  {},
  {
    typeTests: true,
    isolated: ["test/model-check.test.ts", "test/tracing-otel-emulator.test.ts"],
    sharedSetup: ["test/fresh-state.ts"],
  },
);
