import type { Command } from "commander";

/** Adds `molecule-agent connect` (implemented with the inbound/RemoteAgent issue). */
export function registerConnectCommand(_program: Command): void {}
