// Issue 101: `molecule-mcp` owns its process, so it runs with what keeps it small (undici's
// WebAssembly parser at its baseline tier, a 1 MiB young generation, V8's heap sized for memory,
// two glibc malloc arenas): Node is started again in place with it (process.execve), and
// MOLECULE_NODE_FLAGS=keep keeps Node's own. The running server's command line and environment
// (/proc, Linux) show which.
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { itRunsLean, nodeSetupOf } from "@internal/test-utils";
import type { NodeSetup } from "@internal/test-utils";
import { afterEach, describe } from "vitest";
import { connectStdio, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** What the server was started with, once it is connected. */
async function started(env: Record<string, string>): Promise<NodeSetup> {
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
  return nodeSetupOf(mcp.pid);
}

describe.skipIf(process.platform !== "linux")("molecule-mcp's own process (Linux: /proc)", () => {
  itRunsLean(started);
});
