import { defineProjectConfig } from "@internal/config/vitest";

// `next build` runs once per run, before any file (test/global-setup.ts); each file only runs
// `next start` processes on that build, which read `.next/` and write nothing to it, so the files
// could run at once. They run one at a time all the same: on a 2-core machine two at once measured
// no faster (their emulators, PostgreSQL and `next start` processes take the same CPU). Timeouts
// allow for a loaded machine.
export default defineProjectConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 400_000,
    fileParallelism: false,
    globalSetup: ["./test/global-setup.ts"],
  },
});
