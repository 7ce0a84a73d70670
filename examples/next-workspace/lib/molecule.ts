// The workspace's push endpoint and platform client, built by the first request that needs them
// and kept by this instance; never at module scope, which `next build` runs.
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import {
  createPeerRequestHandler,
  platformSecretOf,
  type PeerRequestHandler,
} from "@molecule-ai/agent-core/adapters";
import type { PushClaimStore } from "@molecule-ai/agent-core/a2a";
import { planPeerTools, runPeerTool } from "@molecule-ai/agent-core/peer-tools";

let client: PlatformClient | undefined;
let endpoint: PeerRequestHandler | undefined;

/** The platform client, from the environment. */
export function platform(): PlatformClient {
  return (client ??= new PlatformClient({
    platformUrl: process.env.MOLECULE_PLATFORM_URL!,
    workspaceId: process.env.MOLECULE_WORKSPACE_ID!,
    token: process.env.MOLECULE_WORKSPACE_TOKEN!,
    orgId: process.env.MOLECULE_ORG_ID, // a hosted (SaaS tenant) platform's org id; unset elsewhere
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
    // Not an answer: this message fails (its claim released), so a redelivery asks the peer again.
    if (result.status === "failed") throw new Error(`peer ${ask[1]} failed; retry the message`);
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

/**
 * The push endpoint (`POST /api/molecule/<path secret>`; `GET` serves the agent card); `claims`
 * (lib/claims.ts) handles a redelivered message once across instances. Only the platform's pushes
 * run: each POST must carry its bearer (`platform_inbound_secret`, which this instance learns from
 * the platform with one heartbeat), else `401` (or `503` + `Retry-After` while the platform cannot
 * be asked); `answer` calls peers as this workspace, so a stranger must never reach it.
 */
export function molecule(claims?: PushClaimStore): PeerRequestHandler {
  return (endpoint ??= createPeerRequestHandler({
    ...(claims ? { claims } : {}),
    client: platform(),
    agentCard: { name: "next-workspace", description: "A Molecule workspace in a Next.js app" },
    basePath: "/api/molecule",
    pathSecret: process.env.MOLECULE_PATH_SECRET!,
    platformSecret: platformSecretOf(platform()),
    handler: (message, ctx) => answer(platform(), message.text, ctx.signal),
  }));
}
