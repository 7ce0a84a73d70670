import type { IncomingMessage, ServerResponse } from "node:http";
import { RemoteAgent } from "@molecule-ai/agent-core";
import type {
  DelegationResult,
  InboundMessage,
  PeerCallResult,
  PlatformClient,
} from "@molecule-ai/agent-core";
import { generateText, streamText, tool, ToolLoopAgent, wrapLanguageModel } from "ai";
import type { InferToolInput, InferToolOutput, LanguageModelMiddleware, ToolSet } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  createPeerMessageHandler,
  createPeerRequestHandler,
  peerOutputSanitizer,
  peerTool,
  peerToolApproval,
  peerTools,
} from "../src/index.js";
import type {
  DelegateTaskTool,
  ListPeersTool,
  PeerMessageHandler,
  PeerSummary,
  PeerTool,
  PeerToolError,
  PeerToolOutput,
  PeerToolSet,
} from "../src/index.js";
import type { FakeClient } from "./helpers.js";

declare const client: FakeClient;
declare const platform: PlatformClient;

describe("public types", () => {
  it("peerTool infers its input and output", () => {
    const t = peerTool(client, "ws-1");
    expectTypeOf(t).toEqualTypeOf<PeerTool>();
    expectTypeOf<InferToolInput<typeof t>>().toEqualTypeOf<{
      message: string;
      contextId?: string;
      taskId?: string;
    }>();
    expectTypeOf<InferToolOutput<typeof t>>().toEqualTypeOf<PeerCallResult | PeerToolError>();
    expectTypeOf<PeerToolOutput>().toEqualTypeOf<PeerCallResult | PeerToolError>();
    expectTypeOf(t.execute)
      .parameter(0)
      .toEqualTypeOf<{ message: string; contextId?: string; taskId?: string }>();
    expectTypeOf(t).toExtend<ToolSet[string]>();
  });

  it("peerTools returns a ToolSet of typed tools", () => {
    expectTypeOf(peerTools(client)).resolves.toEqualTypeOf<PeerToolSet>();
    expectTypeOf<PeerToolSet>().toExtend<ToolSet>();
    expectTypeOf<InferToolOutput<ListPeersTool>>().toEqualTypeOf<PeerSummary[]>();
    expectTypeOf<InferToolInput<DelegateTaskTool>>().toEqualTypeOf<{
      peerId: string;
      task: string;
    }>();
    expectTypeOf<InferToolOutput<DelegateTaskTool>>().toEqualTypeOf<
      DelegationResult | PeerToolError
    >();
  });

  it("typed tool results flow out of generateText", async () => {
    const model = new MockLanguageModelV4();
    const result = await generateText({
      model,
      tools: { billing: peerTool(client, "ws-1") },
      prompt: "x",
    });
    const first = result.toolResults[0];
    if (first && !first.dynamic) {
      expectTypeOf(first.input).toEqualTypeOf<{
        message: string;
        contextId?: string;
        taskId?: string;
      }>();
      expectTypeOf(first.output).toEqualTypeOf<PeerCallResult | PeerToolError>();
    }
  });

  it("createPeerMessageHandler accepts a ToolLoopAgent or a generateText function", () => {
    const model = new MockLanguageModelV4();
    const agent = new ToolLoopAgent({ model, tools: { billing: peerTool(client, "ws-1") } });
    expectTypeOf(createPeerMessageHandler(agent)).toEqualTypeOf<PeerMessageHandler>();
    const fromGenerate = createPeerMessageHandler(({ messages, abortSignal }) =>
      generateText({ model, messages, abortSignal }),
    );
    expectTypeOf(fromGenerate).parameters.toEqualTypeOf<
      [InboundMessage, ({ signal?: AbortSignal } | undefined)?]
    >();
    expectTypeOf(fromGenerate).returns.resolves.toBeString();
    expectTypeOf(fromGenerate.stream).returns.toEqualTypeOf<AsyncIterable<string>>();
    // A RemoteAgent handler, as is.
    expectTypeOf(
      () => new RemoteAgent({ client: platform, handler: createPeerMessageHandler(agent) }),
    ).toBeFunction();
    // @ts-expect-error not an agent
    createPeerMessageHandler({ generate: () => "x" });
  });

  it("peerTools and peerTool take a RemoteAgent of either type: a field declared `RemoteAgent` (#70)", () => {
    class Service {
      remote!: RemoteAgent;
      typed!: RemoteAgent<PlatformClient>;
    }
    const s = new Service();
    expectTypeOf(peerTools(s.remote)).resolves.toEqualTypeOf<PeerToolSet>();
    expectTypeOf(peerTools(s.typed)).resolves.toEqualTypeOf<PeerToolSet>();
    expectTypeOf(peerTool(s.remote, "ws-1")).toEqualTypeOf<PeerTool>();
  });

  it("createPeerRequestHandler is a web handler with handleNode", () => {
    const handle = createPeerRequestHandler({
      agentCard: { name: "me" },
      handler: () => "hi",
      pathSecret: "s",
    });
    expectTypeOf(handle).toExtend<(request: Request) => Promise<Response>>();
    expectTypeOf(handle.handleNode).toExtend<
      (req: IncomingMessage, res: ServerResponse, body?: unknown) => Promise<void>
    >();
    createPeerRequestHandler({
      agentCard: { name: "me" },
      handler: createPeerMessageHandler(() => "x"),
      pathSecret: false,
    });
    // @ts-expect-error the path secret is required (or an explicit `false`)
    createPeerRequestHandler({ agentCard: { name: "me" }, handler: () => "hi" });
    createPeerRequestHandler({
      client,
      pathSecret: "s",
      handler: async function* (msg, ctx) {
        expectTypeOf(msg).toEqualTypeOf<InboundMessage>();
        expectTypeOf(ctx.stream).toBeBoolean();
        yield "chunk";
      },
    });
  });

  it("peerToolApproval is a toolApproval of generateText, streamText and ToolLoopAgent, spread with your own", async () => {
    const model = new MockLanguageModelV4();
    const refund = tool({
      inputSchema: z.object({ order: z.string() }),
      execute: async ({ order }) => order,
    });
    const tools = { ...(await peerTools(client)), refund };
    const toolApproval = { ...peerToolApproval(tools), refund: "user-approval" } as const;
    expectTypeOf(new ToolLoopAgent({ model, tools, toolApproval })).toBeObject();
    await generateText({ model, tools, toolApproval, prompt: "x" });
    streamText({ model, tools, toolApproval: peerToolApproval(tools, "approved"), prompt: "x" });
    const billing = peerTool(client, "ws-1");
    await generateText({
      model,
      tools: { billing },
      toolApproval: peerToolApproval({ billing }, (input, { toolCallId }) => {
        expectTypeOf(input.message).toBeString();
        expectTypeOf(toolCallId).toBeString();
        return { type: "user-approval", reason: "a peer call" };
      }),
      prompt: "x",
    });
    // @ts-expect-error not an approval status
    peerToolApproval(tools, "ask");
  });

  it("peerOutputSanitizer is a language-model middleware", () => {
    expectTypeOf(peerOutputSanitizer()).toEqualTypeOf<LanguageModelMiddleware>();
    wrapLanguageModel({ model: new MockLanguageModelV4(), middleware: peerOutputSanitizer() });
  });
});
