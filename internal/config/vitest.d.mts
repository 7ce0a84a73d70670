import type { UserConfig } from "vitest/config";

/** Test files run at once: `atLeast` (default 2), or one less than the CPUs when that is more. */
export declare function workers(atLeast?: number): number;

/**
 * The shared Vitest settings, merged with a package's own overrides. Options (paths relative to
 * the package): `slowFirst`, test files started before the others, longest first; `alone`, test
 * files run one at a time after all the others (Vitest projects `<name>` and `<name>-alone`);
 * `isolated`, given: the other files share their workers' modules (`isolate: false`) and these
 * get a worker each (project `<name>-isolated`); `sharedSetup`, setup files run before each
 * shared file only; `typeTests`, the type tests (test/*.test-d.ts) run too, through tsc (once, in
 * the main project); `maxWorkers`, files run at once (default
 * {@link workers}()).
 */
export declare function defineProjectConfig(
  overrides?: UserConfig,
  options?: {
    slowFirst?: readonly string[];
    alone?: readonly string[];
    isolated?: readonly string[];
    sharedSetup?: readonly string[];
    typeTests?: boolean;
    name?: string;
    maxWorkers?: number;
  },
): UserConfig;
