import { defineProjectConfig } from "@internal/config/vitest";

// One PostgreSQL server per run (test/global-setup.ts); a database per test file.
export default defineProjectConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
