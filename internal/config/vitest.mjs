// Shared Vitest settings for every workspace package.
// Each package writes a JSON report to .reports/vitest.json; scripts/test-all.mjs sums them.
import { randomUUID } from "node:crypto";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { BaseSequencer } from "vitest/node";
import { defineConfig, mergeConfig } from "vitest/config";

// An agent without a store keeps its poll state in <MOLECULE_STATE_DIR>/<workspaceId>/ (default
// ~/.molecule): tests (and the processes they spawn, which inherit the variable) keep theirs in a
// folder of their own under the system's temporary directory, removed by global-setup.mjs.
process.env.MOLECULE_STATE_DIR ??= join(tmpdir(), "molecule-test-state", randomUUID());

/**
 * Test files run at once. Vitest's default (one less than the CPUs) is 1 on a 2-core machine, so
 * every file would wait for the one before; most of our files wait on sockets and timers, not on
 * the CPU, so at least two run at once. A package whose files mostly wait passes more
 * (`defineProjectConfig({ test: { maxWorkers } })`); `--maxWorkers` on the command line wins.
 */
export const workers = (atLeast = 2) => Math.max(atLeast, availableParallelism() - 1);

/**
 * A sequencer that starts the files named in `slowFirst` (paths relative to the package, in that
 * order) before the others, which keep Vitest's order. A fresh clone has no timings from an
 * earlier run, so Vitest would order by file size, and a short file that waits a long time would
 * start last and end the run alone.
 * @param {readonly string[]} slowFirst
 */
function slowFirstSequencer(slowFirst) {
  return class SlowFirstSequencer extends BaseSequencer {
    /** @param {import("vitest/node").TestSpecification[]} files */
    async sort(files) {
      const sorted = await super.sort(files);
      const rank = (/** @type {import("vitest/node").TestSpecification} */ f) => {
        const i = slowFirst.findIndex((p) => f.moduleId.endsWith(`/${p}`));
        return i === -1 ? slowFirst.length : i;
      };
      // Array#sort is stable: files not named keep Vitest's order.
      return sorted.toSorted((a, b) => rank(a) - rank(b));
    }
  };
}

/**
 * @param {import("vitest/config").UserConfig} [overrides]
 * @param {{ slowFirst?: readonly string[] }} [options]
 */
export function defineProjectConfig(overrides = {}, { slowFirst = [] } = {}) {
  return mergeConfig(
    defineConfig({
      test: {
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        passWithNoTests: false, // a package whose tests all vanished (a bad include, a rename) fails
        testTimeout: 20_000,
        hookTimeout: 20_000,
        restoreMocks: true,
        maxWorkers: workers(),
        reporters: ["default", "json"],
        globalSetup: [new URL("./global-setup.mjs", import.meta.url).pathname],
        env: { MOLECULE_STATE_DIR: process.env.MOLECULE_STATE_DIR },
        outputFile: { json: ".reports/vitest.json" },
        ...(slowFirst.length > 0 ? { sequence: { sequencer: slowFirstSequencer(slowFirst) } } : {}),
      },
    }),
    overrides,
  );
}
