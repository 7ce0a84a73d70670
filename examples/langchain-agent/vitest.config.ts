import { defineProjectConfig } from "@internal/config/vitest";

// The files share their workers' modules (LangChain and the SDK load once per worker, not per
// file); test/fresh-state.ts forgets the SDK's process-wide state before each one.
export default defineProjectConfig({}, { isolated: [], sharedSetup: ["test/fresh-state.ts"] });
