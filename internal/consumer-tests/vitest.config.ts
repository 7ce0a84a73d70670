import { defineProjectConfig } from "@internal/config/vitest";

// The tarballs are packed once per run (test/global-setup.ts) and shared by the files. Two files
// at once, the longest first: the type checks (four compilers, all on the CPU) beside the
// quickstarts (child processes that mostly wait on the emulator and each other).
export default defineProjectConfig(
  { test: { testTimeout: 120_000, hookTimeout: 120_000, globalSetup: ["./test/global-setup.ts"] } },
  {
    maxWorkers: 2,
    slowFirst: ["test/types.test.ts", "test/quickstarts.test.ts", "test/readme-blocks.test.ts"],
  },
);
