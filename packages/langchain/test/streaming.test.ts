// The streaming inbound handler: a createAgent agent on LangChain's fake streaming chat model,
// served over real HTTP with core's createMessageEndpoint and registered with the emulator. The official
// @a2a-js/sdk client gets the tokens as SSE artifact updates; a peer calling through the platform
// proxy (message/send) gets the whole answer.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SendMessageRequest, TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import type { BaseMessage } from "@langchain/core/messages";
import { inboundFromA2AMessage } from "@molecule-ai/agent-core/a2a";
import { generatePathSecret, sanitizePeerText } from "@molecule-ai/agent-core";
import { createMessageEndpoint } from "@molecule-ai/agent-core/adapters";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";
import type { MessagesRunnable } from "../src/index.js";
import { startTestPlatform } from "../src/testing.js";
import type { TestPlatform } from "../src/testing.js";

const ANSWER = "Remote agents join the org as workspaces.";

let platform: TestPlatform;
let server: http.Server;
let endpoint: string;
let researcherId: string;
let close: () => Promise<void>;

beforeAll(async () => {
  platform = await startTestPlatform({ name: "caller" });
  const researcher = await platform.addWorkspace("researcher");
  researcherId = researcher.id;
  const model = new FakeListChatModel({ responses: [ANSWER] });
  const answer = createPeerMessageHandler(createAgent({ model, tools: [] }), {
    threadId: "context",
  });
  const pathSecret = generatePathSecret();
  const a2a = createMessageEndpoint({
    handler: answer,
    agentCard: { name: "researcher" },
    pathSecret,
  });
  server = http.createServer((req, res) => void a2a.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://localhost:${(server.address() as AddressInfo).port}/${pathSecret}`;
  await researcher.client().register({ url: endpoint, agentCard: { name: "researcher" } });
  close = async () => {
    await a2a.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
});

afterAll(async () => {
  await close?.();
  await platform?.close();
});

describe("createPeerMessageHandler(...).stream over A2A", () => {
  it("streams the model's tokens to an @a2a-js/sdk message/stream caller", async () => {
    const client = await new ClientFactory().createFromUrl(
      `${endpoint}/.well-known/agent-card.json`,
      "",
    );
    const chunks: string[] = [];
    const states: (TaskState | undefined)[] = [];
    for await (const event of client.sendMessageStream(
      SendMessageRequest.fromJSON({
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] },
      }),
    )) {
      const payload = event.payload;
      if (payload?.$case === "artifactUpdate") {
        const c = payload.value.artifact?.parts[0]?.content;
        if (c?.$case === "text") chunks.push(c.value);
      } else if (payload?.$case === "statusUpdate") {
        states.push(payload.value.status?.state);
      }
    }
    expect(chunks.length).toBeGreaterThan(5); // token by token, not one final blob
    expect(chunks.join("")).toBe(ANSWER);
    expect(states.at(-1)).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("answers a peer calling through the platform proxy with the whole text", async () => {
    const result = await platform.workspace.client().callPeer(researcherId, "and you?");
    if (result.status !== "completed") throw new Error(`unexpected ${result.status}`);
    expect(sanitizePeerText(result.text)).toBe(ANSWER);
  });
});

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

function inbound(text: string, contextId = "c"): InboundMessage {
  return {
    ...inboundFromA2AMessage({
      kind: "message",
      role: "user",
      messageId: crypto.randomUUID(),
      parts: [{ kind: "text", text }],
    }),
    contextId,
  };
}

describe("createPeerMessageHandler(...).stream", () => {
  it("cancels the run when the reader stops early", async () => {
    let aborted!: () => void;
    const sawAbort = new Promise<void>((resolve) => (aborted = resolve));
    const agent: MessagesRunnable = {
      invoke: async () => ({ messages: [] }),
      async *stream(_input, config) {
        yield ["messages", [{ type: "ai", content: "first" }, {}]];
        await new Promise<void>((resolve) =>
          config?.signal?.addEventListener("abort", () => resolve(), { once: true }),
        );
        aborted();
      },
    };
    const handler = createPeerMessageHandler(agent);
    for await (const chunk of handler.stream(inbound("x"))) {
      expect(chunk).toBe("first");
      break;
    }
    await sawAbort; // resolves only if the run's signal fired
  });

  it("sends the whole reply once when the agent cannot stream, and keeps thread order", async () => {
    const seen: string[] = [];
    const agent: MessagesRunnable = {
      invoke: async (input: { messages: BaseMessage[] }) => {
        const text = input.messages.at(-1)?.text ?? "";
        seen.push(text);
        return { messages: [{ type: "ai", content: `answer to ${text}` }] };
      },
    };
    const handler = createPeerMessageHandler(agent, { threadId: "context" });
    const [a, b] = await Promise.all([
      collect(handler.stream(inbound("one"))),
      handler(inbound("two")),
    ]);
    expect(a).toEqual(["answer to one"]);
    expect(b).toBe("answer to two");
    expect(seen).toEqual(["one", "two"]);
  });
});
