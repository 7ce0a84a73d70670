// The built example run as a user runs it: offline, the host (official MCP client) spawns
// molecule-mcp, and a second workspace's message is answered through the server's tools; joined to
// the platform users run today (the emulator's latest, August 2026) with the README's three
// variables, the same through the platform (poll delivery: the answer lands in the caller's inbox).
import { runExample, useEmulator, waitForReplies } from "@example/shared/testing";
import { workspaceClient } from "@example/shared";
import { describe, expect, it } from "vitest";

const platform = useEmulator();

describe("node dist/main.js (offline)", () => {
  it("answers Alice's message through molecule-mcp and exits 0", async () => {
    const run = await runExample(new URL("../dist/main.js", import.meta.url));
    expect(run.stdout).toContain("Alice -> Host: Hello, Molecule!");
    expect(run.stdout).toContain("Host -> Alice: You said: Hello, Molecule!");
    expect(run.stdout).toContain("done");
    expect(run.code).toBe(0);
  }, 60_000);
});

describe("node dist/main.js on the platform users run today (August 2026)", () => {
  it("answers a peer's message through molecule-mcp, then stops on SIGTERM", async () => {
    const { emu } = platform;
    const hostWs = await emu.admin.createWorkspace({ name: "Host" });
    const callerWs = await emu.admin.createWorkspace({ name: "Alice" });
    const caller = workspaceClient(emu.url, callerWs);
    platform.defer(() => caller.close());
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
            const result = await caller.callPeer(hostWs.id, "Hello, platform!");
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
    expect(reply).toBe("You said: Hello, platform!");
    expect(run.stderr).not.toContain(hostWs.token!);
    expect(run.code).toBe(0);
  }, 60_000);
});
