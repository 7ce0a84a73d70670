import { defineProjectConfig } from "@internal/config/vitest";

// The files share their workers' modules (loaded once per worker, not once per file).
export default defineProjectConfig({}, { isolated: [], sharedSetup: ["test/fresh-state.ts"] });
