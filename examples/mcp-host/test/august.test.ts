// The built example joined to the August-2026 platform (the server users run today) as a user runs
// it, with the README's three variables: a second workspace's message is answered through
// molecule-mcp's tools (poll delivery: the answer lands in the caller's inbox).
import { useEmulator, runExample, waitForReplies } from "@example/shared/testing";
import { workspaceClient } from "@example/shared";
import { describe, expect, it } from "vitest";

const august = useEmulator({ compat: "2026-08" });

describe("node dist/main.js on the August-2026 platform", () => {
  it("answers a peer's message through molecule-mcp, then stops on SIGTERM", async () => {
    const { emu } = august;
    const hostWs = await emu.admin.createWorkspace({ name: "Host" });
    const callerWs = await emu.admin.createWorkspace({ name: "Alice" });
    const caller = workspaceClient(emu.url, callerWs);
    august.defer(() => caller.close());
    await caller.register({ agentCard: { name: "Alice" }, deliveryMode: "poll" });
    let calling: Promise<string> | undefined;
    const run = await runExample(new URL("../dist/main.js", import.meta.url), {
      env: {
        MOLECULE_PLATFORM_URL: emu.url,
        MOLECULE_WORKSPACE_ID: hostWs.id,
        MOLECULE_WORKSPACE_TOKEN: hostWs.token!,
      },
      onLine: (line, kill) => {
        if (calling !== undefined || !line.startsWith("MCP host joined")) return;
        calling = (async () => {
          try {
            const result = await caller.callPeer(hostWs.id, "Hello, August!");
            return result.status === "queued"
              ? ((await waitForReplies(caller, hostWs.id, { timeoutMs: 30_000 }))[0]?.text ?? "")
              : result.text;
          } finally {
            kill("SIGTERM");
          }
        })();
        calling.catch(() => undefined); // awaited below, once the process has exited
      },
    });
    if (calling === undefined)
      throw new Error(`the host never joined:\n${run.stdout}\n${run.stderr}`);
    const reply = await calling;
    expect(reply).toBe("You said: Hello, August!");
    expect(run.stderr).not.toContain(hostWs.token!);
    expect(run.code).toBe(0);
  }, 60_000);
});
