// An AI SDK agent whose peer is a default (poll-delivered) agent: tools built from a running
// RemoteAgent await the peer's answer, so generateText's model gets it as the tool result.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { generateText, isStepCount } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import { peerResultToModelOutput, peerTool, peerTools } from "../src/index.js";
import type { PeerToolOutput } from "../src/index.js";
import { textStep, toolCallStep, toolResultsInPrompt } from "./helpers.js";
import { peerAnswerText } from "@internal/test-utils";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function setup() {
  const emu: Emulator = await startEmulator();
  cleanups.push(() => emu.close());
  const start = async (
    name: string,
    handler: (m: InboundMessage) => string | void,
    extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
  ) => {
    const w = await emu.admin.createWorkspace({ name });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    const agent = new RemoteAgent({ client, handler, agentCard: { name }, ...extra });
    cleanups.push(async () => {
      await agent.stop();
      await client.close();
    });
    await agent.start();
    return { id: w.id, client, agent };
  };
  return { start };
}

describe("AI SDK peer tools built from a running agent", () => {
  it("generateText + MockLanguageModelV4 gets a poll peer's answer as the tool result", async () => {
    const { start } = await setup();
    const writer = await start("Writer", (m) => `Haiku about ${m.text}`);
    const me = await start("Editor", () => undefined);
    expect(writer.agent.delivery).toBe("poll");
    const tools = await peerTools(me.agent);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("call_writer", { message: "queues" }), textStep("done")],
    });
    const result = await generateText({ model, tools, prompt: "haiku", stopWhen: isStepCount(3) });
    expect(result.text).toBe("done");
    expect(toolResultsInPrompt(model, 1)).toEqual([
      { type: "text", value: peerAnswerText("Writer", "Haiku about queues") },
    ]);
  });

  it("from a bare client, a poll peer's queued message is not called busy", async () => {
    const { start } = await setup();
    const writer = await start("Writer", (m) => `answer to ${m.text}`);
    const me = await start("Editor", () => undefined);
    const tool = peerTool(me.client, writer.id);
    const out = (await tool.execute({ message: "later" }, {
      toolCallId: "t",
      messages: [],
    } as never)) as PeerToolOutput;
    expect(out.status).toBe("queued");
    const said = peerResultToModelOutput(out);
    expect(said).toMatchObject({ type: "text" });
    expect((said as { value: string }).value).toContain("not busy");
    expect((said as { value: string }).value).not.toContain("is busy");
  });

  it.each(["poll", "push"] as const)(
    "a %s peer whose handler fails: the tool result says the peer failed, long before the call's deadline",
    async (delivery) => {
      const { start } = await setup();
      const failing = await start(
        "Writer",
        () => {
          throw new Error("model down");
        },
        {
          delivery: delivery === "push" ? { mode: "push" } : "poll",
          retryBaseMs: 10,
          onDeadLetter: () => undefined,
          logger: {},
        },
      );
      const me = await start("Editor", () => undefined);
      // The call's deadline (10 min) is far beyond the receiver's retries.
      const tools = await peerTools(me.agent, { timeoutMs: 600_000 });
      const model = new MockLanguageModelV4({
        doGenerate: [toolCallStep("call_writer", { message: "a haiku" }), textStep("sorry")],
      });
      const result = await generateText({ model, tools, prompt: "x", stopWhen: isStepCount(3) });
      expect(result.text).toBe("sorry");
      const said = JSON.stringify(toolResultsInPrompt(model, 1));
      expect(said).toContain("could not handle the message (handler_failed");
      expect(said).not.toContain("timeoutMs");
      expect(failing.agent.delivery).toBe(delivery);
    },
  );
});
