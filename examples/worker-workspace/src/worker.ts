// A Molecule workspace in a Cloudflare Worker. The platform pushes each A2A message to
// `POST /a2a/<path secret>` (the URL registered in a deploy step: scripts/register.ts); a Cron
// Trigger heartbeats so the platform keeps the workspace online. Everything is built per request
// (and kept for the isolate's later requests once it worked), never at module scope: the Worker's
// global scope may not do I/O, and a failed first build is retried by the next request.
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { createA2AHandler, extractA2AText, type A2AHandler } from "@molecule-ai/agent-core/a2a";
import { planPeerTools, runPeerTool } from "@molecule-ai/agent-core/peer-tools";

export interface Env {
  MOLECULE_PLATFORM_URL: string;
  MOLECULE_WORKSPACE_ID: string;
  /** A secret (`wrangler secret put MOLECULE_WORKSPACE_TOKEN`), never a `[vars]` entry. */
  MOLECULE_WORKSPACE_TOKEN: string;
  /** The capability segment of the push URL (`wrangler secret put MOLECULE_PATH_SECRET`). */
  MOLECULE_PATH_SECRET: string;
}

let client: PlatformClient | undefined;
let a2a: A2AHandler | undefined;

/** The platform client, built on the first request that needs it. */
function platform(env: Env): PlatformClient {
  return (client ??= new PlatformClient({
    platformUrl: env.MOLECULE_PLATFORM_URL,
    workspaceId: env.MOLECULE_WORKSPACE_ID,
    token: env.MOLECULE_WORKSPACE_TOKEN,
  }));
}

/** What the agent answers: `ask <peer id>: <text>` calls a peer, `tools` runs each peer tool. */
async function answer(env: Env, text: string, signal: AbortSignal): Promise<string> {
  const ask = /^ask (\S+): (.*)$/s.exec(text);
  if (ask) {
    const result = await platform(env).callPeer(ask[1]!, ask[2]!, { signal });
    if (result.status === "queued") return "the peer is busy; the message is queued";
    // Peer output is untrusted: its own markers neutralised before it is passed on.
    return `peer answered: ${sanitizePeerText(result.text)}`;
  }
  if (text === "tools") {
    // Peer tools, built per request: the peers of a workspace change while the Worker runs.
    const tools = planPeerTools(await platform(env).listPeers({ signal }));
    const said = await Promise.all(
      tools.map(
        async (t) =>
          `${t.name}: ${(await runPeerTool(platform(env), t.peer, { message: "ping" }, { signal })).text}`,
      ),
    );
    return said.join("\n");
  }
  return `echo: ${text}`;
}

/** The push handler, built on the first push. */
function handler(env: Env): A2AHandler {
  return (a2a ??= createA2AHandler({
    agentCard: { name: "worker-workspace", description: "A Molecule workspace in a Worker" },
    basePath: "/a2a",
    pathSecret: env.MOLECULE_PATH_SECRET,
    onMessage: (message, ctx) => answer(env, extractA2AText(message), ctx.signal),
  }));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/a2a/")) return await handler(env).handleFetch(request);
    return new Response("not found", { status: 404 });
  },
  // The Cron Trigger (wrangler.toml `[triggers] crons`): one heartbeat a minute keeps the
  // workspace online (the platform marks it offline after 90 s without one).
  async scheduled(_controller: unknown, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) {
    ctx.waitUntil(platform(env).heartbeat({ currentTask: "" }));
  },
};
