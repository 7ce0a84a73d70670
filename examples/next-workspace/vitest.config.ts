import { defineProjectConfig } from "@internal/config/vitest";

// The test runs `next build` then `next start`: allow for a loaded machine.
export default defineProjectConfig({ test: { testTimeout: 120_000, hookTimeout: 400_000 } });
