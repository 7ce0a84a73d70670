// A Molecule workspace in a Cloudflare Worker. The platform pushes each A2A message to
// `POST /a2a/<path secret>` (the URL registered in a deploy step); a Cron Trigger heartbeats so
// the platform keeps the workspace online. Everything is built per request (the platform client
// is kept for the isolate's later requests once it worked), never at module scope: the Worker's
// global scope may not do I/O, and a failed first build is retried by the next request.
// Only the platform's pushes run: each POST must carry its bearer (`platform_inbound_secret`, which
// the isolate learns from the platform with one heartbeat), else `401` (`503` + `Retry-After`
// while the platform cannot be asked). `answer` calls peers as this workspace: a stranger who
// learns the URL must never reach it.
// A message the platform redelivers (a proxy retry, a resend) may reach another isolate: it is
// claimed in PostgreSQL through Hyperdrive (`claims`), so it is handled once. A Worker may not use
// a socket opened by another request, so the claims' connection is opened and closed per request.
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import { createA2AHandler, extractA2AText } from "@molecule-ai/agent-core/a2a";
import type { PlatformSecretSource } from "@molecule-ai/agent-core/a2a";
import { platformSecretOf } from "@molecule-ai/agent-core/adapters";
import { planPeerTools, runPeerTool } from "@molecule-ai/agent-core/peer-tools";
import { createPostgresClaims } from "@molecule-ai/postgres/claims";

export interface Env {
  MOLECULE_PLATFORM_URL: string;
  MOLECULE_WORKSPACE_ID: string;
  /** A secret (`wrangler secret put MOLECULE_WORKSPACE_TOKEN`), never a `[vars]` entry. */
  MOLECULE_WORKSPACE_TOKEN: string;
  /** A hosted (SaaS tenant) platform's organisation id (a `[vars]` entry); unset elsewhere. */
  MOLECULE_ORG_ID?: string | undefined;
  /**
   * The capability segment of the push URL (`wrangler secret put MOLECULE_PATH_SECRET`). Unset,
   * the Worker answers every request `503` and runs nothing.
   */
  MOLECULE_PATH_SECRET: string | undefined;
  /** Hyperdrive in front of PostgreSQL (`[[hyperdrive]]` in wrangler.toml): where claims are kept. */
  HYPERDRIVE: { connectionString: string };
}

/** What a fetch handler may hand work that finishes after its response. */
interface Context {
  waitUntil(p: Promise<unknown>): void;
}

let client: PlatformClient | undefined;
let platformSecret: PlatformSecretSource | undefined;

/** The platform client, built on the first request that needs it. */
function platform(env: Env): PlatformClient {
  return (client ??= new PlatformClient({
    platformUrl: env.MOLECULE_PLATFORM_URL,
    workspaceId: env.MOLECULE_WORKSPACE_ID,
    token: env.MOLECULE_WORKSPACE_TOKEN,
    orgId: env.MOLECULE_ORG_ID,
  }));
}

/** What the agent answers: `ask <peer id>: <text>` calls a peer, `tools` runs each peer tool. */
async function answer(env: Env, text: string, signal: AbortSignal): Promise<string> {
  const ask = /^ask (\S+): (.*)$/s.exec(text);
  if (ask) {
    const result = await platform(env).callPeer(ask[1]!, ask[2]!, { signal });
    if (result.status === "queued") return "the peer is busy; the message is queued";
    // Not an answer: this message fails (its claim released), so a redelivery asks the peer again.
    if (result.status === "failed") throw new Error(`peer ${ask[1]} failed; retry the message`);
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

/** Answers one push; its claims' connection is closed once the response is sent. */
async function push(request: Request, env: Env, ctx: Context): Promise<Response> {
  const claims = createPostgresClaims({
    connectionString: env.HYPERDRIVE.connectionString,
    maxConnections: 1,
  });
  try {
    const a2a = createA2AHandler({
      agentCard: { name: "worker-workspace", description: "A Molecule workspace in a Worker" },
      basePath: "/a2a",
      pathSecret: env.MOLECULE_PATH_SECRET as string, // checked by fetch: never unset here
      // The platform's bearer on every POST; the isolate keeps what it learned.
      platformSecret: (platformSecret ??= platformSecretOf(platform(env))),
      workspaceId: env.MOLECULE_WORKSPACE_ID,
      claims,
      onMessage: (message, c) => answer(env, extractA2AText(message), c.signal),
    });
    return await a2a.handleFetch(request);
  } finally {
    ctx.waitUntil(claims.close());
  }
}

/** Deletes settled claims older than their retention, on a connection of this event's own. */
async function cleanupClaims(env: Env): Promise<void> {
  const claims = createPostgresClaims({
    connectionString: env.HYPERDRIVE.connectionString,
    maxConnections: 1,
  });
  try {
    await claims.cleanup();
  } finally {
    await claims.close();
  }
}

let warned = false;

/**
 * The answer to every request while the path secret is not set: nothing is served (core refuses
 * to build an endpoint without one too), and the Worker says once, in its log, what to set.
 */
function notConfigured(): Response {
  if (!warned) {
    warned = true;
    console.error(
      "MOLECULE_PATH_SECRET is not set: this Worker serves nothing until it is (wrangler secret put MOLECULE_PATH_SECRET, with the value that ends the registered push URL)",
    );
  }
  return new Response("not configured", { status: 503 });
}

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    if (!env.MOLECULE_PATH_SECRET) return notConfigured();
    const { pathname } = new URL(request.url);
    if (pathname.startsWith("/a2a/")) return await push(request, env, ctx);
    return new Response("not found", { status: 404 });
  },
  // The Cron Trigger (wrangler.toml `[triggers] crons`): one heartbeat a minute keeps the
  // workspace online (the platform marks it offline after 90 s without one), and settled claims
  // past their retention (the de-duplication window, 7 days by default) are deleted.
  async scheduled(_controller: unknown, env: Env, ctx: Context) {
    ctx.waitUntil(platform(env).heartbeat({ currentTask: "" }));
    ctx.waitUntil(cleanupClaims(env));
  },
};
