// Issue 101: the SDK's own commands (`molecule-mcp`, `molecule-agent connect` and `mcp`) start Node
// again in place with what keeps an idle agent small. What a running one was started with is read
// from /proc (Linux): the flags before its bin and its MALLOC_ARENA_MAX.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

/** A running command's Node flags (its command line up to its `bin.js`) and MALLOC_ARENA_MAX. */
export interface NodeSetup {
  flags: string[];
  arenas?: string;
}

/** What process `pid` was started with (Linux). */
export function nodeSetupOf(pid: number): NodeSetup {
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  const arenas = environ.find((e) => e.startsWith("MALLOC_ARENA_MAX="))?.slice(17);
  const flags = argv.slice(
    1,
    argv.findIndex((a) => a.endsWith("bin.js")),
  );
  return arenas === undefined ? { flags } : { flags, arenas };
}

/**
 * The cases every such command is held to; `start(env)` runs it with `env` added to its
 * environment until it is connected, and answers what it was started with.
 */
export function itRunsLean(start: (env: Record<string, string>) => Promise<NodeSetup>): void {
  const lean = ["--liftoff-only", "--max-semi-space-size=1", "--optimize-for-size"];
  it("runs with --liftoff-only, a 1 MiB young generation, --optimize-for-size and 2 arenas", async () => {
    expect(await start({})).toEqual({ flags: lean, arenas: "2" });
  });

  it("keeps a MALLOC_ARENA_MAX of the user's own", async () => {
    expect(await start({ MALLOC_ARENA_MAX: "4" })).toEqual({ flags: lean, arenas: "4" });
  });

  it("MOLECULE_NODE_FLAGS=keep runs it with Node's own flags", async () => {
    expect(await start({ MOLECULE_NODE_FLAGS: "keep" })).toEqual({ flags: [] });
  });
}
