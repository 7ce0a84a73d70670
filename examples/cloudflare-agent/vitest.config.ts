import { defineProjectConfig } from "@internal/config/vitest";

// The test file starts `wrangler dev` (esbuild bundle, then workerd): allow for a loaded machine.
export default defineProjectConfig({
  test: { testTimeout: 120_000, hookTimeout: 300_000, fileParallelism: false },
});
