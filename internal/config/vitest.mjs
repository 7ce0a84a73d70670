// Shared Vitest settings for every workspace package.
// Each package writes a JSON report to .reports/vitest.json; scripts/test-all.mjs sums them.
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, mergeConfig } from "vitest/config";

// An agent without a store keeps its poll state in <MOLECULE_STATE_DIR>/<workspaceId>/ (default
// ~/.molecule): tests (and the processes they spawn, which inherit the variable) keep theirs in a
// folder of their own under the system's temporary directory, removed by global-setup.mjs.
process.env.MOLECULE_STATE_DIR ??= join(tmpdir(), "molecule-test-state", randomUUID());

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
        globalSetup: [new URL("./global-setup.mjs", import.meta.url).pathname],
        env: { MOLECULE_STATE_DIR: process.env.MOLECULE_STATE_DIR },
        outputFile: { json: ".reports/vitest.json" },
      },
    }),
    overrides,
  );
}
