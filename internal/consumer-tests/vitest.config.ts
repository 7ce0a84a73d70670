import { defineProjectConfig } from "@internal/config/vitest";

export default defineProjectConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
