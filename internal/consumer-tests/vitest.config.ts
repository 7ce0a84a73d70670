import { defineProjectConfig } from "@internal/config/vitest";

// One file at a time: the files type-check with four compilers and pack and install the packages,
// all on the CPU; two at once on a loaded 2-core machine took one type check past its timeout.
export default defineProjectConfig(
  { test: { testTimeout: 120_000, hookTimeout: 120_000 } },
  { maxWorkers: 1 },
);
