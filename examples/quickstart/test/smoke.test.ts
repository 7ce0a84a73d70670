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
