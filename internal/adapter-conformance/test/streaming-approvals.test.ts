// One table, three adapters: LangChain, the AI SDK and the OpenAI Agents SDK, each on its
// framework's own test model, served by core's createMessageEndpoint over real HTTP: an A2A
// `message/stream` caller gets the answer in pieces as the model writes them (the adapter's
// `.stream()`, core's conversation handler), and the streamed turn is in the next turn's history
// (under a key of the test's own: the endpoint has one caller, and a push names no caller, so by
// default a contextId a caller sends keys no history).
// Then the adapters whose handler decides tool approvals (AI SDK 7 `toolApproval` with
// `canvasApprovals`, OpenAI Agents `needsApproval` with `approvals`) ask a person through core's
// approvals on the emulator: the same action, the tool runs only when approved.
// The Mastra and Google ADK integrations (examples, started as workspaces) are held to the same two
// behaviours in example-integrations.test.ts. Cloudflare Agents runs under workerd, not Node: its
// streaming and approvals are covered by examples/cloudflare-agent's own test.
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { PlatformClient } from "@molecule-ai/agent-core";
import type { MessageEndpointHandler } from "@molecule-ai/agent-core/adapters";
import { ApprovalWaiter } from "@molecule-ai/agent-core/org";
import { canvasApprovals, createPeerMessageHandler as aiSdkHandler } from "@molecule-ai/ai-sdk";
import { scriptedModel } from "@molecule-ai/ai-sdk/testing";
import { createPeerMessageHandler as langChainHandler } from "@molecule-ai/langchain";
import { createPeerMessageHandler as agentsHandler } from "@molecule-ai/openai-agents";
import { Agent, setTracingDisabled, tool as agentsTool } from "@openai/agents";
import {
  assistantMessage,
  functionCall,
  modelResponder,
  modelStream,
  ScriptedModel,
} from "@openai/agents/testing";
import { streamText, tool, type ModelMessage } from "ai";
import { beforeAll, describe, expect, it } from "vitest";
import { call, decide, serve, useEmulator } from "./endpoint.js";
import { z } from "zod";

const ANSWER = "alpha beta gamma delta";
const suite = useEmulator();
const { cleanups } = suite;
beforeAll(() => setTracingDisabled(true));

/** The conversation of every message: this endpoint's one caller is the test. */
const ONE_CALLER = () => "the-test";

/** What each model saw last, as text (to check the streamed turn reached the history). */
type Row = [name: string, make: () => { handler: MessageEndpointHandler; seen: () => string }];

const streaming: Row[] = [
  [
    "langchain",
    () => {
      // LangChain's fake chat model streams its answer character by character. The history is
      // the graph's (its checkpointer, per `thread_id`), as a compiled graph keeps it.
      const model = new FakeListChatModel({ responses: [ANSWER, "second"] });
      const threads = new Map<string, BaseMessage[]>();
      let seen = "";
      type Config = { configurable?: Record<string, unknown> };
      const history = (messages: BaseMessage[], config?: Config) => {
        const thread = String(config?.configurable?.["thread_id"]);
        const all = [...(threads.get(thread) ?? []), ...messages];
        seen = JSON.stringify(all.map((m) => m.text));
        return { thread, all };
      };
      const runnable = {
        invoke: async ({ messages }: { messages: BaseMessage[] }, config?: Config) => {
          const { thread, all } = history(messages, config);
          threads.set(thread, [...all, await model.invoke(all)]);
          return { messages: threads.get(thread) };
        },
        async *stream({ messages }: { messages: BaseMessage[] }, config?: Config) {
          const { thread, all } = history(messages, config);
          let text = "";
          for await (const chunk of await model.stream(all)) {
            text += chunk.text;
            yield ["messages", [chunk, {}]];
          }
          threads.set(thread, [...all, new AIMessage(text)]);
          yield ["values", { messages: threads.get(thread) }];
        },
      };
      return { handler: langChainHandler(runnable, { threadId: ONE_CALLER }), seen: () => seen };
    },
  ],
  [
    "ai-sdk",
    () => {
      const model = scriptedModel([ANSWER, "second"]);
      const handler = aiSdkHandler(
        ({ messages, abortSignal }) =>
          streamText({ model, messages, ...(abortSignal ? { abortSignal } : {}) }),
        { conversationKey: ONE_CALLER },
      );
      const seen = () =>
        JSON.stringify([...model.doGenerateCalls, ...model.doStreamCalls].at(-1)?.prompt ?? []);
      return { handler, seen };
    },
  ],
  [
    "openai-agents",
    () => {
      const model = new ScriptedModel([
        modelStream(
          (async function* () {
            yield { type: "response_started" as const };
            for (const w of ANSWER.split(/(?<= )/))
              yield { type: "output_text_delta" as const, delta: w };
            yield {
              type: "response_done" as const,
              response: {
                id: "r",
                usage: { requests: 1, inputTokens: 1, outputTokens: 1, totalTokens: 2 },
                output: [assistantMessage(ANSWER)],
              },
            };
          })(),
        ),
        [assistantMessage("second")],
      ]);
      const handler = agentsHandler(new Agent({ name: "writer", model }), {
        conversationKey: ONE_CALLER,
      });
      return { handler, seen: () => JSON.stringify(model.calls.at(-1)?.request.input ?? []) };
    },
  ],
];

describe.each(streaming)("%s: streaming behind createMessageEndpoint", (name, make) => {
  it("a message/stream caller gets the answer in pieces; the streamed turn is history", async () => {
    const { handler, seen } = make();
    const url = await serve(handler, cleanups);
    const first = await call(url, "write four words", `${name}-s`, true);
    expect(first.stream).toMatch(/^text\/event-stream/);
    expect(first.texts.length).toBeGreaterThan(1);
    expect(first.texts.join("")).toBe(ANSWER);
    const second = await call(url, "and again", `${name}-s`, false);
    expect(second.texts.join("")).toBe("second");
    expect(seen()).toContain(ANSWER);
  });
});

/** A handler whose `refund` tool needs a person's approval; `ran` lists the orders it ran for. */
type ApprovalRow = [
  name: string,
  make: (client: PlatformClient, order: string, ran: string[]) => MessageEndpointHandler,
];

const approvals: ApprovalRow[] = [
  [
    "ai-sdk",
    (client, order, ran) => {
      const waiter = new ApprovalWaiter({ client, file: false });
      const model = scriptedModel([{ toolName: "refund", input: { order } }, "done"]);
      const tools = {
        refund: tool({
          inputSchema: z.object({ order: z.string() }),
          execute: async ({ order: o }) => (ran.push(o), `refunded ${o}`),
        }),
      };
      const toolApproval = { refund: "user-approval" } as const;
      return aiSdkHandler(({ messages }) => {
        const added: ModelMessage[] = [];
        let finished!: (m: ModelMessage[]) => void;
        const responseMessages = new Promise<ModelMessage[]>((r) => (finished = r));
        const textStream = async function* () {
          for (;;) {
            const result = streamText({
              model,
              tools,
              toolApproval,
              messages: [...messages, ...added],
            });
            yield* result.textStream;
            added.push(...(await result.responseMessages));
            const content = await result.content;
            if (!content.some((p) => p.type === "tool-approval-request")) break;
            added.push(await canvasApprovals(waiter, content, { pollIntervalMs: 50 }));
          }
          finished(added);
        };
        return { textStream: textStream(), responseMessages };
      });
    },
  ],
  [
    "openai-agents",
    (client, order, ran) => {
      const refund = agentsTool({
        name: "refund",
        description: "refund an order",
        parameters: z.object({ order: z.string() }),
        needsApproval: true,
        execute: async ({ order: o }) => (ran.push(o), `refunded ${o}`),
      });
      const model = new ScriptedModel([
        [functionCall("refund", { order }, { callId: `call-${order}` })],
        modelResponder(() => [assistantMessage("done")]),
      ]);
      return agentsHandler(new Agent({ name: "writer", model, tools: [refund] }), {
        approvals: { asker: new ApprovalWaiter({ client, file: false }), pollIntervalMs: 50 },
      });
    },
  ],
];

describe.each(approvals)("%s: a tool call a person approves on the canvas", (name, make) => {
  it.each(["approved", "denied"] as const)(
    "%s: one request, the tool's complete input shown; it runs only when approved",
    async (decision) => {
      const ws = await suite.emu.admin.createWorkspace({ name: `${name}-${decision}` });
      const client = new PlatformClient({
        platformUrl: suite.emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      cleanups.push(() => client.close());
      const order = `${name}-${decision}-1`;
      const ran: string[] = [];
      const url = await serve(make(client, order, ran), cleanups);
      const [answer, action] = await Promise.all([
        call(url, `refund order ${order}`, `${name}-${decision}`, true),
        decide(suite.admin, order, decision),
      ]);
      expect(action).toBe(`run tool refund with input {"order":"${order}"}`);
      expect(ran).toEqual(decision === "approved" ? [order] : []);
      expect(answer.texts.join("")).toBe("done");
    },
  );
});
