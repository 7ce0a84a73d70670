import { defineProjectConfig } from "@internal/config/vitest";

// Each test spawns a runtime that starts an emulator and agents: allow for a loaded machine.
export default defineProjectConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
