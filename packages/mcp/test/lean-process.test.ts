// Issue 101: `molecule-mcp` owns its process, so it runs with the V8 flags that keep it small
// (undici's WebAssembly parser at its baseline tier, a 1 MiB young generation): Node is started
// again in place with them (process.execve), and MOLECULE_NODE_FLAGS=keep keeps Node's own. The
// running server's command line (/proc, Linux) shows which.
import { readFileSync } from "node:fs";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { connectStdio, tempDir } from "./helpers.js";

const LEAN = ["--liftoff-only", "--max-semi-space-size=1"];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** The server's Node flags: its command line up to the bin. */
async function flagsOf(env: Record<string, string>): Promise<string[]> {
  const platform = await startTestPlatform({ name: "lean" });
  cleanups.push(() => platform.close());
  const state = tempDir();
  cleanups.push(state.remove);
  const mcp = await connectStdio({
    ...platform.workspace.env,
    MOLECULE_MCP_STATE_DIR: state.dir,
    ...env,
  });
  cleanups.push(async () => void (await mcp.close()));
  const argv = readFileSync(`/proc/${mcp.pid}/cmdline`, "utf8").split("\0");
  return argv.slice(
    1,
    argv.findIndex((a) => a.endsWith("bin.js")),
  );
}

describe.skipIf(process.platform !== "linux")("molecule-mcp's own process (Linux: /proc)", () => {
  it("runs with --liftoff-only and a 1 MiB young generation", async () => {
    expect(await flagsOf({})).toEqual(LEAN);
  });

  it("MOLECULE_NODE_FLAGS=keep runs it with Node's own flags", async () => {
    expect(await flagsOf({ MOLECULE_NODE_FLAGS: "keep" })).toEqual([]);
  });
});
