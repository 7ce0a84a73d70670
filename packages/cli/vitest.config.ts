import { defineProjectConfig } from "@internal/config/vitest";

// The files share their workers' modules (loaded once per worker, not once per file), but
// plugin-cli, which sets environment variables for the CLI to read.
export default defineProjectConfig(
  {},
  { isolated: ["test/plugin-cli.test.ts"], sharedSetup: ["test/fresh-state.ts"] },
);
