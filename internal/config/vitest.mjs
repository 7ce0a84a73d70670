// Shared Vitest settings for every workspace package.
// Each package writes a JSON report to .reports/vitest.json; scripts/test-all.mjs sums them.
import { randomUUID } from "node:crypto";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { BaseSequencer } from "vitest/node";
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";

// An agent without a store keeps its poll state in <MOLECULE_STATE_DIR>/<workspaceId>/ (default
// ~/.molecule): tests (and the processes they spawn, which inherit the variable) keep theirs in a
// folder of their own under the system's temporary directory, removed by global-setup.mjs.
process.env.MOLECULE_STATE_DIR ??= join(tmpdir(), "molecule-test-state", randomUUID());

/**
 * Test files run at once. Vitest's default (one less than the CPUs) is 1 on a 2-core machine, so
 * every file would wait for the one before; most of our files wait on sockets and timers, not on
 * the CPU, so at least two run at once. A package whose files mostly wait passes more
 * (`defineProjectConfig(overrides, { maxWorkers })`); `--maxWorkers` on the command line wins.
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
  /** @param {import("vitest/node").TestSpecification} f */
  const rank = (f) => {
    const i = slowFirst.findIndex((p) => f.moduleId.endsWith(`/${p}`));
    return i === -1 ? slowFirst.length : i;
  };
  return class SlowFirstSequencer extends BaseSequencer {
    /** @param {import("vitest/node").TestSpecification[]} files */
    async sort(files) {
      // A stable sort: files not named keep Vitest's order.
      return (await super.sort(files)).toSorted((a, b) => rank(a) - rank(b));
    }
  };
}

const include = ["src/**/*.test.ts", "test/**/*.test.ts"];

/**
 * `options.slowFirst`: files started before the others (see slowFirstSequencer). `options.alone`:
 * files (paths relative to the package) that run one at a time after all the others, which run
 * `options.maxWorkers` at once (Vitest projects `<name>` and `<name>-alone`): files that measure
 * time or load the CPU hard, so that no other file takes the CPU from them. `options.isolated`:
 * given (even empty), the package's other files share their workers' modules (`isolate: false`: a file no
 * longer loads the package again, about a third of a core suite's CPU), and these files (module
 * mocks, process-wide registrations, environment changes) each get a worker of their own beside
 * them (project `<name>-isolated`); `options.sharedSetup`: setup files run before each shared
 * file (to forget what the package keeps process-wide), not before the isolated ones;
 * `options.typeTests`: the type tests (test/*.test-d.ts) run too, through tsc.
 * @param {import("vitest/config").UserConfig} [overrides]
 * @param {{ slowFirst?: readonly string[], alone?: readonly string[], isolated?: readonly string[], sharedSetup?: readonly string[], typeTests?: boolean, name?: string, maxWorkers?: number }} [options]
 */
export function defineProjectConfig(
  overrides = {},
  {
    slowFirst = [],
    alone = [],
    isolated,
    sharedSetup = [],
    typeTests = false,
    name = "tests",
    maxWorkers = workers(),
  } = {},
) {
  const shared = isolated !== undefined;
  /** One Vitest project of the package: its name's suffix, and its own test settings. */
  const project = (suffix, test) => ({
    extends: true,
    test: { name: `${name}${suffix}`, ...test },
  });
  const projects = [
    project("", {
      include,
      exclude: [...configDefaults.exclude, ...alone, ...(isolated ?? [])],
      maxWorkers,
      isolate: !shared,
      ...(shared && sharedSetup.length > 0 ? { setupFiles: [...sharedSetup] } : {}),
      sequence: { groupOrder: 0 },
    }),
    ...(isolated?.length
      ? [
          project("-isolated", {
            include: [...isolated],
            maxWorkers: 1,
            isolate: true,
            typecheck: { enabled: false }, // the type tests run once, in the main project
            sequence: { groupOrder: 0 },
          }),
        ]
      : []),
    ...(alone.length > 0
      ? [
          project("-alone", {
            include: [...alone],
            maxWorkers: 1,
            typecheck: { enabled: false },
            sequence: { groupOrder: 1 },
          }),
        ]
      : []),
  ];
  return mergeConfig(
    defineConfig({
      test: {
        // Split, each project names its own files (an inherited `include` would be added to them).
        ...(projects.length > 1 ? { projects } : projects[0].test),
        passWithNoTests: false, // a package whose tests all vanished (a bad include, a rename) fails
        // A bound against hangs, not a speed claim: a test spawning Node children (three of them
        // from TypeScript source, say) takes several times longer beside another test run.
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // `expect.poll` the same: a bound against a hang (Vitest's default, 1 s, is a speed claim:
        // an agent's retry a busy machine ran late failed it). A test that claims a time says so.
        expect: { poll: { timeout: 30_000 } },
        restoreMocks: true,
        ...(typeTests
          ? {
              typecheck: {
                enabled: true,
                include: ["test/**/*.test-d.ts"],
                tsconfig: "./tsconfig.json",
              },
            }
          : {}),
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
