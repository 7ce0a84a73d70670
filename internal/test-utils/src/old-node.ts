// A Node.js older than the SDK's floor (22.19), to check that every entry point refuses it with one
// line. The machine's own Node when it is older (`MOLECULE_OLD_NODE`, else `/usr/bin/node`: the
// repository's `./dev` puts its newer Node first on PATH); otherwise this Node, told it is 20.18.0
// by a preload, as far as the SDK's check can see.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** How to run a script on an old Node: `[command, ...args, script]`. */
export interface OldNode {
  command: string;
  args: string[];
  /** The version the SDK sees. */
  version: string;
  /** True when `command` really is that old Node (not this one pretending). */
  real: boolean;
}

function olderThanFloor(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major < 22 || (major === 22 && minor < 19);
}

/** The old Node to spawn entry points with (see the file comment). */
export function oldNode(): OldNode {
  const candidate = process.env["MOLECULE_OLD_NODE"] ?? "/usr/bin/node";
  if (existsSync(candidate)) {
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim().slice(1);
      if (olderThanFloor(version)) return { command: candidate, args: [], version, real: true };
    } catch {
      // not runnable: pretend below
    }
  }
  const pretend =
    'data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"20.18.0"}})';
  return {
    command: process.execPath,
    args: ["--import", pretend],
    version: "20.18.0",
    real: false,
  };
}
