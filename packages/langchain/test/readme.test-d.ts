// The README quickstart, type-checked (not run: it needs a platform and a model provider).
import { MemorySaver } from "@langchain/langgraph";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { createAgent } from "langchain";
import { tool } from "@langchain/core/tools";
import { expectTypeOf, it } from "vitest";
import { z } from "zod/v4";
import { createPeerMessageHandler, loadPeerTools, PeerToolkit } from "../src/index.js";
import { peerOutputSanitizer } from "../src/middleware.js";

async function quickstart() {
  const client = new PlatformClient({
    platformUrl: process.env.MOLECULE_PLATFORM_URL!,
    workspaceId: process.env.MOLECULE_WORKSPACE_ID!,
    token: process.env.MOLECULE_WORKSPACE_TOKEN,
  });
  const remote = new RemoteAgent({ client, handler: (msg, ctx) => answer(msg, ctx) });
  const agent = createAgent({
    model: "openai:gpt-5",
    tools: [...(await loadPeerTools(remote))],
    checkpointer: new MemorySaver(),
  });
  const answer = createPeerMessageHandler(agent);
  await remote.start();
  return remote;
}

async function pollingPeers(remote: RemoteAgent<PlatformClient>) {
  const kit = await PeerToolkit.fromClient(remote);
  return createAgent({ model: "openai:gpt-5", tools: kit.tools, checkpointer: new MemorySaver() });
}

const weatherTool = tool(async ({ city }: { city: string }) => `sunny in ${city}`, {
  name: "weather",
  description: "The weather in a city",
  schema: z.object({ city: z.string() }),
});

async function toolkitAndMiddleware(client: PlatformClient) {
  const toolkit = await PeerToolkit.fromClient(client, { exclude: ["Intern"] });
  return createAgent({
    model: "openai:gpt-5",
    tools: [...toolkit.getTools(), weatherTool],
    middleware: [peerOutputSanitizer()],
  });
}

it("the README examples type-check", () => {
  expectTypeOf(quickstart).returns.resolves.toEqualTypeOf<RemoteAgent<PlatformClient>>();
  expectTypeOf(toolkitAndMiddleware).parameter(0).toEqualTypeOf<PlatformClient>();
  expectTypeOf(pollingPeers).parameter(0).toEqualTypeOf<RemoteAgent<PlatformClient>>();
});
