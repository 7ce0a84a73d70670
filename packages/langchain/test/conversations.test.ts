// A LangChain agent whose peer is a default (poll-delivered) agent: built from a running
// RemoteAgent, its tools await the peer's answer, so the model gets it as the tool result.
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { BaseMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { createAgent } from "langchain";
import { afterEach, describe, expect, it } from "vitest";
import { createPeerTool, loadPeerTools, PeerToolkit } from "../src/index.js";
import { peerAnswerText } from "@internal/test-utils";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function setup() {
  const emu: Emulator = await startEmulator();
  cleanups.push(() => emu.close());
  const start = async (name: string, handler: (m: InboundMessage) => string | void) => {
    const w = await emu.admin.createWorkspace({ name });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    const agent = new RemoteAgent({ client, handler, agentCard: { name } });
    cleanups.push(async () => {
      await agent.stop();
      await client.close();
    });
    await agent.start();
    return { id: w.id, client, agent };
  };
  return { emu, start };
}

function toolMessages(messages: BaseMessage[]): ToolMessage[] {
  return messages.filter((m) => ToolMessage.isInstance(m)) as ToolMessage[];
}

describe("peer tools built from a running agent", () => {
  it("createAgent + fakeModel gets a poll peer's answer as the tool result", async () => {
    const { start } = await setup();
    const writer = await start("Writer", (m) => `Haiku about ${m.text}`);
    const me = await start("Editor", () => undefined);
    expect(writer.agent.delivery).toBe("poll");

    const tools = await loadPeerTools(me.agent, { fresh: true });
    // Both are filed under the platform's seeded "Org Concierge" (created without a parent).
    expect(tools.map((t) => t.name).sort()).toEqual(["call_org_concierge", "call_writer"]);
    const model = fakeModel()
      .respondWithTools([{ name: "call_writer", args: { message: "queues" }, id: "tc-1" }])
      .respond(new AIMessage("done"));
    const agent = createAgent({ model, tools });
    const result = await agent.invoke({ messages: [new HumanMessage("get me a haiku")] });
    const [tm] = toolMessages(result.messages);
    expect(tm!.content).toBe(peerAnswerText("Writer", "Haiku about queues"));
    expect(tm!.status).not.toBe("error");
  });

  it("a toolkit from the agent too; from a bare client the model is told the answer comes later, not that the peer is busy", async () => {
    const { start } = await setup();
    const writer = await start("Writer", (m) => `answer to ${m.text}`);
    const me = await start("Editor", () => undefined);
    const kit = await PeerToolkit.fromClient(me.agent);
    const out = await kit.getPeerTool(writer.id)!.invoke({ message: "hello" });
    expect(out).toBe(peerAnswerText("Writer", "answer to hello"));

    const bare = createPeerTool(me.client, { id: writer.id, name: "Writer" });
    const queued = String(await bare.invoke({ message: "later" }));
    expect(queued).toContain("not busy");
    expect(queued).toContain("inbound answer");
    expect(queued).not.toContain("is busy");
  });
});
