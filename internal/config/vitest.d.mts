import type { UserConfig } from "vitest/config";

/** Test files run at once: `atLeast` (default 2), or one less than the CPUs when that is more. */
export declare function workers(atLeast?: number): number;

/**
 * The shared Vitest settings, merged with a package's own overrides. `slowFirst`: test files
 * (paths relative to the package) started before the others, longest first.
 */
export declare function defineProjectConfig(
  overrides?: UserConfig,
  options?: { slowFirst?: readonly string[] },
): UserConfig;
