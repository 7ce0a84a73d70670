// Approval of peer calls through the AI SDK's `toolApproval` (peerToolApproval, issue 88), and
// providerOptions given to peerTool / peerTools reaching the AI SDK (issue #17).
import { generateText, isStepCount, ToolLoopAgent } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { peerTool, peerToolApproval, peerTools } from "../src/index.js";
import { FakeClient, peer, textStep, toolCallStep } from "./helpers.js";

const cache = { anthropic: { cacheControl: { type: "ephemeral" } } };

describe("peer tool pass-through", () => {
  it("peerToolApproval: every peer call stops before the peer is called and asks for approval", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")]);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("billing", { message: "refund #42" }), textStep("unused")],
    });
    const tools = { billing: peerTool(client, "ws-1") };
    const result = await generateText({
      model,
      tools,
      toolApproval: peerToolApproval(tools),
      prompt: "refund",
      stopWhen: isStepCount(3),
    });
    expect(client.calls).toHaveLength(0);
    const request = result.content.find((p) => p.type === "tool-approval-request");
    expect(request).toMatchObject({
      toolCall: { toolName: "billing", input: { message: "refund #42" } },
    });
  });

  it("a rule function decides per call in a ToolLoopAgent; the other tools are not covered", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")]);
    const seen: unknown[] = [];
    const tools = await peerTools(client, { delegate: false });
    const toolApproval = peerToolApproval(tools, (input) => {
      seen.push(input);
      return input.message.includes("refund") ? "user-approval" : undefined;
    });
    expect(Object.keys(toolApproval)).toEqual(["call_billing"]); // not list_peers
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallStep("call_billing", { message: "status of #42" }, "c1"),
        toolCallStep("call_billing", { message: "refund #42" }, "c2"),
        textStep("done"),
      ],
    });
    const agent = new ToolLoopAgent({ model, tools, toolApproval, stopWhen: isStepCount(3) });
    const result = await agent.generate({ prompt: "x" });
    expect(seen).toEqual([{ message: "status of #42" }, { message: "refund #42" }]);
    expect(client.calls.map((c) => c.message)).toEqual(["status of #42"]);
    expect(result.content.filter((p) => p.type === "tool-approval-request")).toMatchObject([
      { toolCall: { input: { message: "refund #42" } } },
    ]);
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

  it("without the option a tool carries no providerOptions, and never a tool-level approval", () => {
    const t = peerTool(new FakeClient(), "ws-1", { providerOptions: undefined });
    expect(t.providerOptions).toBeUndefined();
    expect(t).not.toHaveProperty("needsApproval"); // deprecated in AI SDK 7: toolApproval decides
  });
});
