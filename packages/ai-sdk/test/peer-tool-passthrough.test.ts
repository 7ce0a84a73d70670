// needsApproval and providerOptions given to peerTool / peerTools reach the AI SDK (issue #17).
import { generateText, isStepCount } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { peerTool, peerTools } from "../src/index.js";
import { FakeClient, peer, textStep, toolCallStep } from "./helpers.js";

const cache = { anthropic: { cacheControl: { type: "ephemeral" } } };

describe("peer tool pass-through", () => {
  it("needsApproval: true stops before the peer is called and asks for approval", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")]);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("billing", { message: "refund #42" }), textStep("unused")],
    });
    const result = await generateText({
      model,
      tools: { billing: peerTool(client, "ws-1", { needsApproval: true }) },
      prompt: "refund",
      stopWhen: isStepCount(3),
    });
    expect(client.calls).toHaveLength(0);
    const request = result.content.find((p) => p.type === "tool-approval-request");
    expect(request).toMatchObject({
      toolCall: { toolName: "billing", input: { message: "refund #42" } },
    });
  });

  it("a needsApproval function decides per call; approved-by-function calls run", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")]);
    const seen: unknown[] = [];
    const tools = await peerTools(client, {
      listPeers: false,
      delegate: false,
      needsApproval: (input) => {
        seen.push(input);
        return input.message.includes("refund");
      },
    });
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("call_billing", { message: "status of #42" }), textStep("done")],
    });
    const result = await generateText({ model, tools, prompt: "x", stopWhen: isStepCount(3) });
    expect(seen).toEqual([{ message: "status of #42" }]);
    expect(client.calls.map((c) => c.message)).toEqual(["status of #42"]);
    expect(result.text).toBe("done");
  });

  it("providerOptions reach the model's tool definitions", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")]);
    const model = new MockLanguageModelV4({ doGenerate: [textStep("hi")] });
    await generateText({
      model,
      tools: {
        ...(await peerTools(client, { listPeers: false, delegate: false, providerOptions: cache })),
        direct: peerTool(client, "ws-1", { providerOptions: cache }),
      },
      prompt: "x",
    });
    const defs = model.doGenerateCalls[0]?.tools ?? [];
    expect(defs.map((t) => [t.name, (t as { providerOptions?: unknown }).providerOptions])).toEqual(
      [
        ["call_billing", cache],
        ["direct", cache],
      ],
    );
  });

  it("without the options the tools carry neither", () => {
    const t = peerTool(new FakeClient(), "ws-1");
    expect(t.needsApproval).toBeUndefined();
    expect(t.providerOptions).toBeUndefined();
  });
});
