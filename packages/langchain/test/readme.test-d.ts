// The README quickstart, type-checked (not run: it needs a platform and a model provider).
import { MemorySaver } from "@langchain/langgraph";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { createAgent } from "langchain";
import { expectTypeOf, it } from "vitest";
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

async function toolkitAndMiddleware(client: PlatformClient) {
  const toolkit = await PeerToolkit.fromClient(client, { exclude: ["Intern"] });
  return createAgent({
    model: "openai:gpt-5",
    tools: toolkit.getTools(),
    middleware: [peerOutputSanitizer()],
  });
}

it("the README examples type-check", () => {
  expectTypeOf(quickstart).returns.resolves.toEqualTypeOf<RemoteAgent<PlatformClient>>();
  expectTypeOf(toolkitAndMiddleware).parameter(0).toEqualTypeOf<PlatformClient>();
  expectTypeOf(pollingPeers).parameter(0).toEqualTypeOf<RemoteAgent<PlatformClient>>();
});
