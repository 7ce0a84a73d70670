import type { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod/v4";
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import type {
  InboundHandler,
  InboundMessage,
  PlatformClient,
  RemoteAgent,
} from "@molecule-ai/agent-core";
import { createAgent, fakeModel } from "langchain";
import type { AgentMiddleware } from "langchain";
import { describe, expectTypeOf, it } from "vitest";
import {
  createDelegateTool,
  createListPeersTool,
  createPeerMessageHandler,
  createPeerTool,
  loadPeerTools,
  PeerToolkit,
} from "../src/index.js";
import type {
  PeerCallClient,
  PeerMessageHandler,
  PeerTool,
  PeerToolArtifact,
  PeerToolErrorArtifact,
  PeerToolInput,
  PeerToolkitClient,
  PeerToolkitTools,
  PeerToolList,
  PeerToolOutput,
} from "../src/index.js";
import { peerOutputSanitizer } from "../src/middleware.js";

declare const client: PeerToolkitClient;

describe("peer tools", () => {
  it("createPeerTool returns a typed content_and_artifact tool", () => {
    const t = createPeerTool(client, { id: "p", name: "P" });
    expectTypeOf(t).toEqualTypeOf<PeerTool>();
    expectTypeOf(t).toExtend<StructuredToolInterface>();
    expectTypeOf<PeerToolInput>().toEqualTypeOf<{
      message: string;
      contextId?: string | undefined;
      taskId?: string | undefined;
    }>();
    expectTypeOf(t.invoke).parameter(0).toExtend<unknown>();
    expectTypeOf<PeerToolArtifact["result"]["status"]>().toEqualTypeOf<
      "completed" | "failed" | "input-required" | "working" | "queued"
    >();
    expectTypeOf<PeerToolErrorArtifact["error"]["code"]>().toEqualTypeOf<string | undefined>();
  });

  it("accepts any object with callPeer, and options are checked", () => {
    const minimal: PeerCallClient = { callPeer: client.callPeer };
    expectTypeOf(
      createPeerTool(minimal, { id: "p", name: "P", role: null, agentCard: null }),
    ).toEqualTypeOf<PeerTool>();
    createPeerTool(
      minimal,
      { id: "p", name: "P" },
      { onError: (e, { peer }) => `${String(e)} ${peer.id}` },
    );
    // @ts-expect-error onError takes "return" | "throw" | a function
    createPeerTool(minimal, { id: "p", name: "P" }, { onError: "ignore" });
    // @ts-expect-error via is "proxy" | "direct"
    createPeerTool(minimal, { id: "p", name: "P" }, { via: "mesh" });
  });

  it("loaders and the toolkit", () => {
    expectTypeOf(loadPeerTools(client)).resolves.toEqualTypeOf<PeerToolList>();
    expectTypeOf<PeerToolList>().toExtend<PeerTool[]>();
    expectTypeOf(PeerToolkit.fromClient(client)).resolves.toEqualTypeOf<PeerToolkit>();
    expectTypeOf<PeerToolkit["tools"]>().toEqualTypeOf<PeerToolkitTools>();
    expectTypeOf<PeerToolkit["tools"]>().toExtend<StructuredToolInterface[]>();
    expectTypeOf(createListPeersTool(client)).toExtend<StructuredToolInterface>();
    expectTypeOf(createDelegateTool(client)).toExtend<StructuredToolInterface>();
    // @ts-expect-error skills is a list of strings
    void loadPeerTools(client, { skills: "search" });
  });

  it("takes a RemoteAgent of either type: a field declared `RemoteAgent` (#70)", () => {
    class Service {
      remote!: RemoteAgent;
      typed!: RemoteAgent<PlatformClient>;
    }
    const s = new Service();
    expectTypeOf(loadPeerTools(s.remote)).resolves.toEqualTypeOf<PeerToolList>();
    expectTypeOf(loadPeerTools(s.typed)).resolves.toEqualTypeOf<PeerToolList>();
    expectTypeOf(new PeerToolkit(s.remote)).toEqualTypeOf<PeerToolkit>();
  });

  it("toolkit.getTools() mixes with other tools in createAgent (issue #17)", () => {
    const weather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
      name: "weather",
      description: "Weather for a city",
      schema: z.object({ city: z.string() }),
    });
    const toolkit = new PeerToolkit(client);
    // Failed with TS2769 while getTools() returned StructuredToolInterface[].
    createAgent({ model: fakeModel(), tools: [...toolkit.getTools(), weather] });
    createAgent({ model: fakeModel(), tools: [weather, ...toolkit.getTools()] });
    expectTypeOf(toolkit.getTools()).toEqualTypeOf<PeerToolkitTools>();
    expectTypeOf(toolkit.getTools()).toExtend<StructuredToolInterface[]>();
  });

  it("loadPeerTools' result and kit.tools mix with other tools in createAgent (issue #58)", async () => {
    const weather = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
      name: "weather",
      description: "Weather for a city",
      schema: z.object({ city: z.string() }),
    });
    // Both failed with TS2769 ("'responseFormat' is missing") while they were plain arrays.
    createAgent({ model: fakeModel(), tools: [...(await loadPeerTools(client)), weather] });
    const kit = await PeerToolkit.fromClient(client);
    createAgent({ model: fakeModel(), tools: [...kit.tools, weather] });
    createAgent({ model: "openai:gpt-5", tools: [...kit.tools, weather, ...kit.getTools()] });
    createAgent({ model: fakeModel(), tools: kit.tools });
    expectTypeOf(kit.tools).toEqualTypeOf<PeerToolkitTools>();
  });

  it("tools plug into createAgent", () => {
    const tools = [createPeerTool(client, { id: "p", name: "P" }), createDelegateTool(client)];
    createAgent({ model: fakeModel(), tools, middleware: [peerOutputSanitizer()] });
    expectTypeOf(peerOutputSanitizer()).toExtend<AgentMiddleware>();
  });

  it("an error ToolMessage is a possible output", () => {
    expectTypeOf<PeerToolOutput[0]>().toEqualTypeOf<string | ToolMessage>();
    expectTypeOf<PeerToolOutput[1]>().toEqualTypeOf<PeerToolArtifact | PeerToolErrorArtifact>();
  });
});

describe("createPeerMessageHandler", () => {
  it("accepts createAgent results and compiled graphs, and fits RemoteAgent's handler", () => {
    const agent = createAgent({ model: fakeModel(), tools: [] });
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("n", () => ({ messages: [] }))
      .addEdge(START, "n")
      .addEdge("n", END)
      .compile({ checkpointer: new MemorySaver() });
    const h1 = createPeerMessageHandler(agent);
    const h2 = createPeerMessageHandler(graph, { threadId: "context" });
    expectTypeOf(h1).toExtend<PeerMessageHandler>();
    expectTypeOf(h1.stream).returns.toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf(h2).toExtend<InboundHandler>();
    expectTypeOf(h1).parameter(0).toEqualTypeOf<InboundMessage>();
    expectTypeOf(h1).returns.resolves.toEqualTypeOf<string | undefined>();
    createPeerMessageHandler(agent, { threadId: (m) => m.sourceId ?? undefined });
    // @ts-expect-error threadId is "peer" | "context" | a function
    createPeerMessageHandler(agent, { threadId: "user" });
    // @ts-expect-error the agent must have invoke()
    createPeerMessageHandler({ run: async () => ({}) });
  });
});
