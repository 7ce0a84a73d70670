import type { Command } from "commander";

/** Adds `molecule-agent plugin ...` (implemented with the plugins issue). */
export function registerPluginCommand(_program: Command): void {}
