import { defineProjectConfig } from "@internal/config/vitest";

// The tarballs are packed once per run (test/global-setup.ts) and shared by the files. Two files
// at once, the longest first (the type matrix, which runs two compilers at a time itself). The
// quickstarts run alone after them: their child processes include a Jest run of the NestJS README's
// e2e test under Jest's default 5 s test timeout, which two compilers beside it on a loaded 2-core
// machine took past it once.
export default defineProjectConfig(
  { test: { testTimeout: 120_000, hookTimeout: 120_000, globalSetup: ["./test/global-setup.ts"] } },
  {
    name: "consumer",
    maxWorkers: 2,
    slowFirst: ["test/types.test.ts", "test/packed-set.test.ts", "test/readme-blocks.test.ts"],
    alone: ["test/quickstarts.test.ts"],
  },
);
