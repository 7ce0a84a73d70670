import type { UserConfig } from "vitest/config";

/** Test files run at once: `atLeast` (default 2), or one less than the CPUs when that is more. */
export declare function workers(atLeast?: number): number;

/**
 * The shared Vitest settings, merged with a package's own overrides. Options (paths relative to
 * the package): `slowFirst`, test files started before the others, longest first; `alone`, test
 * files run one at a time after all the others (Vitest projects `<name>` and `<name>-alone`);
 * `maxWorkers`, files run at once (default {@link workers}()).
 */
export declare function defineProjectConfig(
  overrides?: UserConfig,
  options?: {
    slowFirst?: readonly string[];
    alone?: readonly string[];
    name?: string;
    maxWorkers?: number;
  },
): UserConfig;
