// Issue 57, files, in the AI SDK over real HTTP against the emulator: a canvas upload reaches the
// model as AI SDK file parts (a text file as sanitised text) with poll and push delivery, and
// `sendToUserTool` gets an agent's file to the canvas user in one call.
import type { ModelMessage } from "ai";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { canvasDownload, canvasSendFiles, waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPeerMessageHandler, sendToUserTool } from "../src/index.js";

const PDF = new TextEncoder().encode("%PDF-1.7 pretend");

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

describe.each(["poll", "push"] as const)("a canvas upload reaches an AI SDK model (%s)", (mode) => {
  it("as file parts: the text, a file part with the bytes, a text file as sanitised text", async () => {
    const ws = await emu.admin.createWorkspace({ name: `ai-${mode}` });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    const prompts: ModelMessage[][] = [];
    const agent = new RemoteAgent({
      client,
      handler: createPeerMessageHandler(({ messages }) => {
        prompts.push(messages);
        return "seen";
      }),
      delivery: mode === "poll" ? "poll" : { mode: "push" },
      pollIntervalMs: 50,
      logger: {},
    });
    await agent.start();
    try {
      await canvasSendFiles(emu.url, emu.adminToken, ws.id, "read these", [
        { name: "spec.pdf", data: PDF, type: "application/pdf" },
        { name: "data.json", data: '{"a":1}', type: "application/json" },
      ]);
      await waitFor(() => prompts.length === 1, { timeoutMs: 15_000 });
      const user = prompts[0]!.at(-1)!;
      expect(user.role).toBe("user");
      expect(user.content).toEqual([
        { type: "text", text: "read these" },
        { type: "file", data: PDF, mediaType: "application/pdf", filename: "spec.pdf" },
        { type: "text", text: '[file data.json (application/json)]\n{"a":1}' },
      ]);
    } finally {
      await agent.stop();
      await client.close();
    }
  });
});

it("sendToUserTool sends the canvas user a message with a file in one call", async () => {
  const ws = await emu.admin.createWorkspace({ name: "ai-send" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  await client.register({ agentCard: { name: "s" }, deliveryMode: "poll" });
  try {
    const tool = sendToUserTool(client);
    const out = await tool.execute!(
      { message: "Your chart data:", attachments: [{ name: "chart.csv", content: "x,y\n1,2\n" }] },
      { toolCallId: "t1", messages: [] } as never,
    );
    expect(out).toBe("Sent to the canvas user with 1 attachment(s).");
    const row = emu.activity(ws.id).find((r) => r["method"] === "notify")!;
    const [part] = (row["response_body"] as { parts: { file: { uri: string } }[] }).parts;
    const got = await canvasDownload(emu.url, emu.adminToken, ws.id, part!.file.uri);
    expect(new TextDecoder().decode(got.bytes)).toBe("x,y\n1,2\n");
    expect(
      await tool.execute!({ message: "" }, { toolCallId: "t2", messages: [] } as never),
    ).toMatch(/^Error: message is empty/);
  } finally {
    await client.close();
  }
});
