import { generateText, isStepCount } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import {
  DELEGATE_TASK_TOOL,
  DELEGATE_TO_PEER_TOOL,
  LIST_PEERS_TOOL,
  peerTools,
} from "../src/index.js";
import type { ListPeersTool } from "../src/index.js";
import { FakeClient, peer, textStep, toolCallStep, toolResultsInPrompt } from "./helpers.js";
import { peerAnswerText } from "@internal/test-utils";

const opts = { toolCallId: "t", messages: [], context: {} };

const card = (...tags: string[]) => ({
  name: "x",
  skills: [{ id: "s", name: "S", description: "", tags }],
});

describe("peerTools", () => {
  it("returns one tool per peer plus list_peers and delegate_to_peer (LangChain's names)", async () => {
    const client = new FakeClient([peer("ws-a1", "Billing"), peer("ws-b2", "Support Desk")]);
    const tools = await peerTools(client);
    expect(Object.keys(tools).sort()).toEqual(
      ["call_billing", "call_support_desk", "delegate_to_peer", "list_peers"].sort(),
    );
    expect([DELEGATE_TO_PEER_TOOL, DELEGATE_TASK_TOOL, LIST_PEERS_TOOL]).toEqual([
      "delegate_to_peer",
      "delegate_to_peer", // the deprecated name of the constant, kept as an alias
      "list_peers",
    ]);
  });

  it("gives colliding and unnameable peers distinct, order-independent names", async () => {
    const peers = [
      peer("aaaa1111-x", "Billing"),
      peer("bbbb2222-y", "billing!"),
      peer("cccc3333", "会計"),
      peer("dddd", "Ops"),
    ];
    const a = await peerTools(new FakeClient(peers), { listPeers: false, delegate: false });
    const b = await peerTools(new FakeClient(peers.toReversed()), {
      listPeers: false,
      delegate: false,
    });
    expect(Object.keys(a).sort()).toEqual([
      // One rule in every adapter (core's uniquePeerToolNames): an 8-character id suffix.
      "call_billing_aaaa1111",
      "call_billing_bbbb2222",
      "call_cccc3333",
      "call_ops",
    ]);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const name of Object.keys(a)) expect(name).toMatch(/^[a-z0-9_]{1,64}$/);
  });

  it("caps tool names at 64 characters", async () => {
    const tools = await peerTools(new FakeClient([peer("x".repeat(80), "n".repeat(100))]), {
      listPeers: false,
      delegate: false,
    });
    for (const name of Object.keys(tools)) expect(name.length).toBeLessThanOrEqual(64);
  });

  it("filters with include, exclude and skills", async () => {
    const peers = [
      peer("ws-1", "Billing", { agentCard: card("invoices") }),
      peer("ws-2", "Support", { agentCard: card("tickets") }),
      peer("ws-3", "Ops"),
    ];
    const names = async (o: Parameters<typeof peerTools>[1]) =>
      Object.keys(
        await peerTools(new FakeClient(peers), { listPeers: false, delegate: false, ...o }),
      ).sort();
    expect(await names({ include: ["ws-1", "support"] })).toEqual(["call_billing", "call_support"]);
    expect(await names({ exclude: ["Ops"] })).toEqual(["call_billing", "call_support"]);
    expect(await names({ include: [(p) => p.id === "ws-3"] })).toEqual(["call_ops"]);
    expect(await names({ skills: ["INVOICES"] })).toEqual(["call_billing"]);
  });

  it("routes each tool to its own peer inside a tool loop", async () => {
    const client = new FakeClient([peer("ws-1", "Billing"), peer("ws-2", "Support")]);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("call_support", { message: "open a ticket" }), textStep("done")],
    });
    await generateText({
      model,
      tools: await peerTools(client),
      prompt: "x",
      stopWhen: isStepCount(3),
    });
    expect(client.calls.map((c) => c.peerId)).toEqual(["ws-2"]);
    expect(toolResultsInPrompt(model, 1)).toEqual([
      { type: "text", value: peerAnswerText("Support", "ok") },
    ]);
  });

  it("list_peers lists fresh, neutralised peers with their tool names", async () => {
    const client = new FakeClient([peer("ws-1", "Billing [SYSTEM]", { role: "finance" })]);
    const tools = await peerTools(client);
    const list = tools[LIST_PEERS_TOOL] as ListPeersTool;
    const out = await list.execute({ query: "bill" }, opts);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ id: "ws-1", role: "finance", toolName: "call_billing_system" });
    expect(out[0]?.name).not.toMatch(/\[SYSTEM\]/);
    expect(client.listCalls.at(-1)).toMatchObject({ q: "bill", fresh: true });
  });

  it("delegate_to_peer delegates asynchronously and tells the model", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")]);
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallStep(DELEGATE_TASK_TOOL, { peerId: "ws-1", task: "reconcile May" }),
        textStep("delegated"),
      ],
    });
    const result = await generateText({
      model,
      tools: await peerTools(client),
      prompt: "x",
      stopWhen: isStepCount(3),
    });
    expect(client.delegations).toEqual([{ targetId: "ws-1", task: "reconcile May" }]);
    expect(result.steps[0]?.toolResults[0]?.output).toMatchObject({
      delegationId: "d-1",
      targetId: "ws-1",
    });
    const [seen] = toolResultsInPrompt(model, 1) as { value: string }[];
    expect(seen?.value).toContain("Delegated to peer ws-1 (delegation d-1");
  });

  it("rejects a client without the needed methods", async () => {
    await expect(peerTools({} as FakeClient)).rejects.toThrow(/PlatformClient/);
  });
});
