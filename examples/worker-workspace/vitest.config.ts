import { defineProjectConfig } from "@internal/config/vitest";

// Each test file starts `wrangler dev` (esbuild bundle, then workerd): allow for a loaded machine.
export default defineProjectConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000 } });
