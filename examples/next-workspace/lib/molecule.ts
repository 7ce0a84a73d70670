// The workspace's push endpoint and platform client, built by the first request that needs them
// and kept by this instance; never at module scope, which `next build` runs.
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import {
  createPeerRequestHandler,
  type PeerRequestHandler,
} from "@molecule-ai/agent-core/adapters";
import { planPeerTools, runPeerTool } from "@molecule-ai/agent-core/peer-tools";

let client: PlatformClient | undefined;
let endpoint: PeerRequestHandler | undefined;

/** The platform client, from the environment. */
export function platform(): PlatformClient {
  return (client ??= new PlatformClient({
    platformUrl: process.env.MOLECULE_PLATFORM_URL!,
    workspaceId: process.env.MOLECULE_WORKSPACE_ID!,
    token: process.env.MOLECULE_WORKSPACE_TOKEN!,
  }));
}

/** What the agent answers: `ask <peer id>: <text>` calls a peer, `tools` runs each peer tool. */
export async function answer(
  client: PlatformClient,
  text: string,
  signal: AbortSignal,
): Promise<string> {
  const ask = /^ask (\S+): (.*)$/s.exec(text);
  if (ask) {
    const result = await client.callPeer(ask[1]!, ask[2]!, { signal });
    if (result.status === "queued") return "the peer is busy; the message is queued";
    return `peer answered: ${sanitizePeerText(result.text)}`;
  }
  if (text === "tools") {
    // Per message: peers change, and a failure here fails this message (retried), not the instance.
    const tools = planPeerTools(await client.listPeers({ signal }));
    const said = await Promise.all(
      tools.map(
        async (t) =>
          `${t.name}: ${(await runPeerTool(client, t.peer, { message: "ping" }, { signal })).text}`,
      ),
    );
    return said.join("\n");
  }
  return `echo: ${text}`;
}

/** The push endpoint (`POST /api/molecule/<path secret>`; `GET` serves the agent card). */
export function molecule(): PeerRequestHandler {
  return (endpoint ??= createPeerRequestHandler({
    client: platform(),
    agentCard: { name: "next-workspace", description: "A Molecule workspace in a Next.js app" },
    basePath: "/api/molecule",
    pathSecret: process.env.MOLECULE_PATH_SECRET!,
    handler: (message, ctx) => answer(platform(), message.text, ctx.signal),
  }));
}
