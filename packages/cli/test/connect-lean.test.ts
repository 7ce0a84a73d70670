// Issue 101: `molecule-agent connect` owns its process, so it runs with the V8 flags that keep it
// small (undici's WebAssembly parser at its baseline tier, a 1 MiB young generation): Node is
// started again in place with them (process.execve), and MOLECULE_NODE_FLAGS=keep keeps Node's
// own. The running agent's command line (/proc, Linux) shows which.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";

const h = useConnectHarness("connect-lean-");

/** The connected agent's Node flags: its command line up to the bin. */
async function flagsOf(env: Record<string, string>): Promise<string[]> {
  const a = await h.emu.admin.createWorkspace({ name: "lean" });
  const r = h.run(["--handler", HANDLER], {
    MOLECULE_PLATFORM_URL: h.emu.url,
    MOLECULE_WORKSPACE_ID: a.id,
    MOLECULE_WORKSPACE_TOKEN: a.token!,
    ...env,
  });
  try {
    await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
    const argv = readFileSync(`/proc/${r.child.pid}/cmdline`, "utf8").split("\0");
    return argv.slice(
      1,
      argv.findIndex((x) => x.endsWith("bin.js")),
    );
  } finally {
    r.child.kill("SIGTERM");
    await r.exit;
  }
}

describe.skipIf(process.platform !== "linux")(
  "molecule-agent connect's own process (Linux: /proc)",
  () => {
    it("runs with --liftoff-only and a 1 MiB young generation", async () => {
      expect(await flagsOf({})).toEqual(["--liftoff-only", "--max-semi-space-size=1"]);
    });

    it("MOLECULE_NODE_FLAGS=keep runs it with Node's own flags", async () => {
      expect(await flagsOf({ MOLECULE_NODE_FLAGS: "keep" })).toEqual([]);
    });
  },
);
