import type { UserConfig } from "vitest/config";

/** The shared Vitest settings, merged with a package's own overrides. */
export declare function defineProjectConfig(overrides?: UserConfig): UserConfig;
