import { defineProjectConfig } from "@internal/config/vitest";

// The files share their workers' modules (the SDK and MCP's are loaded once per worker, not once
// per file), but tracing-otel, which registers OpenTelemetry process-wide.
export default defineProjectConfig(
  {},
  { isolated: ["test/tracing-otel.test.ts"], sharedSetup: ["test/fresh-state.ts"] },
);
