// The echo agent against an in-process emulator, and the built example run as a user runs it.
import { runExample, useEmulator, waitForReplies } from "@example/shared/testing";
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { describe, expect, it } from "vitest";
import { startEchoAgent } from "../src/agent.js";

const platform = useEmulator();

describe("startEchoAgent", () => {
  it.each(["poll", "push"] as const)(
    "echoes a peer's message back (%s delivery)",
    async (delivery) => {
      const { emu } = platform;
      const echoWs = await emu.admin.createWorkspace({ name: `Echo ${delivery}` });
      const senderWs = await emu.admin.createWorkspace({ name: `Sender ${delivery}` });
      const echo = await startEchoAgent({
        platformUrl: emu.url,
        workspaceId: echoWs.id,
        token: echoWs.token!,
        delivery,
      });
      const sender = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: senderWs.id,
        token: senderWs.token!,
      });
      try {
        expect(echo.agent.delivery).toBe(delivery);
        await sender.register({ agentCard: { name: "Sender" }, deliveryMode: "poll" });
        const sent = await sender.callPeer(echoWs.id, "ping 42");
        // pushed: the answer is the A2A result; polled: the message waits in Echo's inbox and the
        // reply lands in the sender's. Either way the platform marks it as untrusted peer text.
        expect(sent.status).toBe(delivery === "push" ? "completed" : "queued");
        const answer =
          sent.status === "queued" ? (await waitForReplies(sender, echoWs.id))[0]?.text : sent.text;
        expect(sanitizePeerText(answer)).toBe("echo: ping 42");
      } finally {
        await echo.stop();
        await sender.close();
      }
      expect(await echo.agent.done).toEqual({ reason: "stopped" });
    },
  );
});

describe("the example (node dist/main.js)", () => {
  it("a half-set environment names the missing variable instead of running offline", async () => {
    const main = new URL("../dist/main.js", import.meta.url);
    const id = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
    const noUrl = await runExample(main, {
      env: { MOLECULE_WORKSPACE_ID: id, MOLECULE_WORKSPACE_TOKEN: "t" },
    });
    expect(noUrl).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Set MOLECULE_PLATFORM_URL to the platform's base URL (MOLECULE_WORKSPACE_ID is set, so this is no offline run; unset MOLECULE_WORKSPACE_ID and MOLECULE_WORKSPACE_TOKEN for the offline demo).\n",
    });
    const tokenOnly = await runExample(main, { env: { MOLECULE_WORKSPACE_TOKEN: "t" } });
    expect(tokenOnly.code).toBe(2);
    expect(tokenOnly.stderr).toMatch(
      /^Set MOLECULE_PLATFORM_URL .*\(MOLECULE_WORKSPACE_TOKEN is set/,
    );
    const noId = await runExample(main, { env: { MOLECULE_PLATFORM_URL: "http://127.0.0.1:9" } });
    expect(noId).toMatchObject({ code: 2, stdout: "" });
    expect(noId.stderr).toMatch(/^Set MOLECULE_WORKSPACE_ID .*\n$/);
  });

  it("runs offline: Alice's message is echoed back, then it exits 0", async () => {
    const {
      code,
      stdout: out,
      stderr: err,
    } = await runExample(new URL("../dist/main.js", import.meta.url));
    // Only the agents' own info lines (connected, stopped) on stderr: no warning, no error.
    const problems = err.split("\n").filter((l) => l !== "" && !l.startsWith("[molecule] info "));
    expect({ code, problems }).toEqual({ code: 0, problems: [] });
    expect(out).toMatch(/^platform: in-process emulator at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toContain("(delivery: poll)");
    expect(out).toContain(
      "Alice -> Echo: Hello, Molecule!\nEcho -> Alice: echo: Hello, Molecule!\n",
    );
    expect(out.trimEnd().endsWith("done")).toBe(true);
  });
});
