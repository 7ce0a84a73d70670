import { defineProjectConfig } from "@internal/config/vitest";

// The files share their workers' modules (LangChain is loaded once per worker, not once per file),
// but model-key, which sets the model's API key variable in the environment.
export default defineProjectConfig(
  {},
  {
    typeTests: true,
    isolated: ["test/model-key.test.ts"],
    sharedSetup: ["test/fresh-state.ts"],
  },
);
