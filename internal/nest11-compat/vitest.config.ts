import { defineProjectConfig } from "@internal/config/vitest";

// Each test boots a child-process Nest app against the emulator: allow generous time.
export default defineProjectConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
