// Issue 101: `molecule-agent connect` owns its process, so it runs with what keeps it small
// (undici's WebAssembly parser at its baseline tier, a 1 MiB young generation, V8's heap sized for
// memory, two glibc malloc arenas): Node is started again in place with it (process.execve), and
// MOLECULE_NODE_FLAGS=keep keeps Node's own. The running agent's command line and environment
// (/proc, Linux) show which. It holds neither the MCP server nor the plugin installer (tar, yaml):
// the program registers those commands but loads them when they run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { itRunsLean, nodeSetupOf, RECORD_MODULES_HOOK, waitFor } from "@internal/test-utils";
import type { NodeSetup } from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("connect-lean-");

const RECORD = RECORD_MODULES_HOOK;

/** What the connected agent was started with. */
async function started(env: Record<string, string>): Promise<NodeSetup> {
  const a = await h.emu.admin.createWorkspace({ name: "lean" });
  const r = h.run(["--handler", HANDLER], {
    MOLECULE_PLATFORM_URL: h.emu.url,
    MOLECULE_WORKSPACE_ID: a.id,
    MOLECULE_WORKSPACE_TOKEN: a.token!,
    ...env,
  });
  try {
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
    return nodeSetupOf(r.child.pid!);
  } finally {
    r.child.kill("SIGTERM");
    await r.exit;
  }
}

describe.skipIf(process.platform !== "linux")(
  "molecule-agent connect's own process (Linux: /proc)",
  () => {
    itRunsLean(started);

    it("holds neither the MCP server nor the plugin installer (tar, yaml)", async () => {
      const log = join(h.home, "modules.log");
      await started({
        NODE_OPTIONS: `--import=${pathToFileURL(RECORD).href}`,
        RECORD_MODULES: log,
      });
      const loaded = readFileSync(log, "utf8").split("\n");
      expect(loaded.some((u) => u.includes("/packages/core/dist/"))).toBe(true);
      const unused = /\/node_modules\/(@modelcontextprotocol\/|tar\/|yaml\/)/;
      expect(loaded.filter((u) => unused.test(u))).toEqual([]);
    });
  },
);
