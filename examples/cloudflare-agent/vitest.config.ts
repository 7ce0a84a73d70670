import { defineProjectConfig } from "@internal/config/vitest";

// Each test file starts `wrangler dev` (esbuild bundle, then workerd) and PostgreSQL: allow for a
// loaded machine, and run the files one after the other (the resend test starts two `wrangler dev`).
export default defineProjectConfig({
  test: { testTimeout: 120_000, hookTimeout: 300_000, fileParallelism: false },
});
