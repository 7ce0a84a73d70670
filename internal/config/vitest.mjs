// Shared Vitest settings for every workspace package.
// Each package writes a JSON report to .reports/vitest.json; scripts/test-all.mjs sums them.
import { defineConfig, mergeConfig } from "vitest/config";

/**
 * @param {import("vitest/config").UserConfig} [overrides]
 */
export function defineProjectConfig(overrides = {}) {
  return mergeConfig(
    defineConfig({
      test: {
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        passWithNoTests: false, // a package whose tests all vanished (a bad include, a rename) fails
        testTimeout: 20_000,
        hookTimeout: 20_000,
        restoreMocks: true,
        reporters: ["default", "json"],
        outputFile: { json: ".reports/vitest.json" },
      },
    }),
    overrides,
  );
}
