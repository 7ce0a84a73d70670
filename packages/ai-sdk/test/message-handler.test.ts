import { inboundFromA2AMessage } from "@molecule-ai/agent-core/a2a";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { generateText, isStepCount, simulateReadableStream, streamText, ToolLoopAgent } from "ai";
import type { ModelMessage } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { createPeerMessageHandler, MemoryConversationStore, peerTools } from "../src/index.js";
import {
  completed,
  FakeClient,
  peer,
  textStep,
  toolCallStep,
  toolResultsInPrompt,
  usage,
  wrap,
} from "./helpers.js";
import { peerAnswerText } from "@internal/test-utils";

function inbound(
  text: string,
  extra: { contextId?: string; source?: string; messageId?: string } = {},
): InboundMessage {
  const msg = inboundFromA2AMessage({
    kind: "message",
    role: "user",
    messageId: extra.messageId ?? `m-${Math.random()}`,
    parts: [{ kind: "text", text }],
    ...(extra.contextId ? { contextId: extra.contextId } : {}),
  });
  // A message from a peer the platform identified (as poll delivery reports it).
  return extra.source ? { ...msg, source: "peer_agent", sourceId: extra.source } : msg;
}

const userTexts = (messages: ModelMessage[]) =>
  messages
    .filter((m) => m.role === "user")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));

describe("createPeerMessageHandler with a generateText function", () => {
  it("keeps history per contextId and per peer", async () => {
    const seen: ModelMessage[][] = [];
    const handler = createPeerMessageHandler(async ({ messages }) => {
      seen.push(messages);
      return `answer ${seen.length}`;
    });
    expect(await handler(inbound("one", { contextId: "c1", source: "ws-a" }))).toBe("answer 1");
    expect(await handler(inbound("two", { contextId: "c1", source: "ws-a" }))).toBe("answer 2");
    await handler(inbound("other", { contextId: "c2", source: "ws-a" }));
    await handler(inbound("from peer", { source: "ws-peer" }));
    await handler(inbound("again", { source: "ws-peer" }));
    // Another peer that learned c1 has a conversation of its own; a push naming c1 has none.
    await handler(inbound("three", { contextId: "c1", source: "ws-b" }));
    await handler(inbound("pushed", { contextId: "c1" }));

    expect(userTexts(seen[1]!)).toEqual(["one", "two"]);
    expect(seen[1]!.find((m) => m.role === "assistant")).toEqual({
      role: "assistant",
      content: "answer 1",
    });
    expect(userTexts(seen[2]!)).toEqual(["other"]);
    expect(userTexts(seen[4]!)).toEqual(["from peer", "again"]);
    expect(userTexts(seen[5]!)).toEqual(["three"]);
    expect(userTexts(seen[6]!)).toEqual(["pushed"]);
  });

  it("stores the full response messages of a real generateText tool loop", async () => {
    const client = new FakeClient([peer("ws-1", "Billing")], async (id) =>
      completed(id, wrap("paid")),
    );
    const tools = await peerTools(client, { listPeers: false, delegate: false });
    const model = new MockLanguageModelV4({
      doGenerate: [
        toolCallStep("call_billing", { message: "status?" }),
        textStep("It is paid."),
        textStep("You're welcome."),
      ],
    });
    const store = new MemoryConversationStore();
    const handler = createPeerMessageHandler(
      ({ messages, abortSignal }) =>
        generateText({ model, tools, messages, abortSignal, stopWhen: isStepCount(4) }),
      { store },
    );
    expect(await handler(inbound("is it paid?", { contextId: "c", source: "ws-a" }))).toBe(
      "It is paid.",
    );
    expect(await handler(inbound("thanks", { contextId: "c", source: "ws-a" }))).toBe(
      "You're welcome.",
    );
    const history = store.get("peer:ws-a/context:c")!;
    expect(history.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
      "assistant",
    ]);
    // The third model call saw the earlier tool result (sanitised by toModelOutput).
    expect(toolResultsInPrompt(model, 2)).toEqual([
      { type: "text", value: peerAnswerText("Billing", "paid") },
    ]);
  });

  it("answers messages of one conversation in order, others concurrently", async () => {
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const handler = createPeerMessageHandler(async ({ message }) => {
      order.push(`start ${message.text}`);
      await new Promise<void>((r) => gates.set(message.text, r));
      order.push(`end ${message.text}`);
      return message.text;
    });
    const a = handler(inbound("a1", { contextId: "A", source: "ws-a" }));
    const b = handler(inbound("a2", { contextId: "A", source: "ws-a" }));
    const c = handler(inbound("b1", { contextId: "B", source: "ws-a" }));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["start a1", "start b1"]);
    gates.get("a1")!();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(order).toContain("start a2");
    gates.get("a2")!();
    gates.get("b1")!();
    expect(await Promise.all([b, c])).toEqual(["a2", "b1"]);
  });

  it("does not keep history for messages without a conversation, and trims whole turns", async () => {
    const seen: ModelMessage[][] = [];
    const handler = createPeerMessageHandler(
      async ({ messages }) => {
        seen.push(messages);
        return "ok";
      },
      { maxHistoryMessages: 3 },
    );
    await handler(inbound("x"));
    await handler(inbound("y"));
    expect(seen[1]).toHaveLength(1);
    for (const t of ["1", "2", "3"]) await handler(inbound(t, { contextId: "k", source: "ws-a" }));
    // 3 max: [u2 a2 u3] would start at a user message; [a1 u2 a2] would not.
    expect(userTexts(seen.at(-1)!)).toEqual(["2", "3"]);
  });

  it("passes the abort signal and saves nothing when the run fails", async () => {
    const store = new MemoryConversationStore();
    const controller = new AbortController();
    let got: AbortSignal | undefined;
    const handler = createPeerMessageHandler(
      async ({ abortSignal }) => {
        got = abortSignal;
        throw new Error("model down");
      },
      { store },
    );
    await expect(
      handler(inbound("x", { contextId: "c", source: "ws-a" }), { signal: controller.signal }),
    ).rejects.toThrow("model down");
    expect(got).toBe(controller.signal);
    expect(store.get("peer:ws-a/context:c")).toBeUndefined();
  });

  it("rejects what is not an agent or a function", () => {
    expect(() => createPeerMessageHandler({} as never)).toThrow(/ToolLoopAgent/);
  });
});

describe("createPeerMessageHandler with an Agent", () => {
  it("answers with ToolLoopAgent.generate and keeps history", async () => {
    const model = new MockLanguageModelV4({ doGenerate: [textStep("first"), textStep("second")] });
    const agent = new ToolLoopAgent({ model, instructions: "You are billing." });
    const handler = createPeerMessageHandler(agent);
    expect(await handler(inbound("hi", { source: "ws-a" }))).toBe("first");
    expect(await handler(inbound("more", { source: "ws-a" }))).toBe("second");
    const prompt = model.doGenerateCalls[1]!.prompt;
    expect(prompt[0]).toMatchObject({ role: "system", content: "You are billing." });
    expect(prompt.filter((m) => m.role === "user")).toHaveLength(2);
  });

  it("streams with agent.stream and saves history when the stream ends", async () => {
    const chunks = ["Hel", "lo", "!"];
    const model = new MockLanguageModelV4({
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: [
            { type: "text-start", id: "t" },
            ...chunks.map((delta) => ({ type: "text-delta" as const, id: "t", delta })),
            { type: "text-end", id: "t" },
            { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
          ],
        }),
      }),
    });
    const store = new MemoryConversationStore();
    const handler = createPeerMessageHandler(new ToolLoopAgent({ model }), { store });
    const got: string[] = [];
    for await (const c of handler.stream(inbound("say hello", { contextId: "s", source: "ws-a" })))
      got.push(c);
    expect(got).toEqual(chunks);
    expect(store.get("peer:ws-a/context:s")?.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("a generate function can stream with streamText when asked", async () => {
    const model = new MockLanguageModelV4({
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: [
            { type: "text-start", id: "t" },
            { type: "text-delta", id: "t", delta: "a" },
            { type: "text-delta", id: "t", delta: "b" },
            { type: "text-end", id: "t" },
            { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
          ],
        }),
      }),
    });
    const handler = createPeerMessageHandler(({ messages, abortSignal }) =>
      streamText({ model, messages, abortSignal }),
    );
    const got: string[] = [];
    for await (const c of handler.stream(inbound("x"))) got.push(c);
    expect(got.join("")).toBe("ab");
    // The non-streaming call of the same handler collects the stream.
    expect(await handler(inbound("y"))).toBe("ab");
  });

  it("fails (and saves nothing) when a streamText run fails, instead of replying with empty text", async () => {
    const model = new MockLanguageModelV4({
      doStream: async () => {
        throw new Error("provider down");
      },
    });
    const store = new MemoryConversationStore();
    const handler = createPeerMessageHandler(
      ({ messages }) => streamText({ model, messages, onError: () => {} }),
      { store },
    );
    await expect(handler(inbound("x", { contextId: "f", source: "ws-a" }))).rejects.toThrow(
      "provider down",
    );
    const drain = async () => {
      for await (const _ of handler.stream(inbound("y", { contextId: "f", source: "ws-a" })))
        void _;
    };
    await expect(drain()).rejects.toThrow("provider down");
    expect(store.get("peer:ws-a/context:f")).toBeUndefined();
  });
});
