// The echo agent against an in-process emulator, and the built example run as a user runs it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoAgent } from "../src/agent.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

async function waitForReplies(client: PlatformClient, from: string, count: number) {
  let replies: InboundMessage[] = [];
  for (let i = 0; i < 200 && replies.length < count; i++) {
    await new Promise((r) => setTimeout(r, 25));
    replies = (await client.fetchInbound()).filter((m) => m.sourceId === from);
  }
  return replies;
}

describe("startEchoAgent", () => {
  it.each(["poll", "push"] as const)(
    "echoes a peer's message back (%s delivery)",
    async (delivery) => {
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
          sent.status === "queued"
            ? (await waitForReplies(sender, echoWs.id, 1))[0]?.text
            : sent.text;
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
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("MOLECULE_")),
    );
    const child = spawn(process.execPath, [main], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(/^platform: in-process emulator at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toContain("(delivery: poll)");
    expect(out).toContain(
      "Alice -> Echo: Hello, Molecule!\nEcho -> Alice: echo: Hello, Molecule!\n",
    );
    expect(out.trimEnd().endsWith("done")).toBe(true);
  });
});
