// The writer: an AI SDK `ToolLoopAgent` whose tools are its Molecule peers, answering the
// messages other workspaces send it, by polling or through a push route handler.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import {
  FileTokenStore,
  PlatformClient,
  RemoteAgent,
  generatePathSecret,
  pickDelivery,
} from "@molecule-ai/agent-core";
import type { AgentCard, Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { raiseKeepAliveTimeout } from "@molecule-ai/agent-core/a2a";
import { createPeerMessageHandler, createPeerRequestHandler, peerTools } from "@molecule-ai/ai-sdk";
import type { PeerMessageHandler } from "@molecule-ai/ai-sdk";
import { isStepCount, ToolLoopAgent } from "ai";
import type { LanguageModel } from "ai";
import { Hono } from "hono";
import { DEMO_MODEL_LABEL, DemoLanguageModel } from "./model.js";

export { DEMO_MODEL_LABEL, DemoLanguageModel } from "./model.js";

/** Where and how to connect, and which model to use. */
export interface StartOptions {
  /** The platform's base URL (the emulator's `emu.url`, or your platform). */
  platformUrl: string;
  /** This agent's workspace id. */
  workspaceId: string;
  /** The workspace token; without it, the token saved at `~/.molecule/<id>/.auth_token` is used. */
  token?: string;
  /**
   * Without `token`: a file holding it (`MOLECULE_WORKSPACE_TOKEN_FILE`), read again after a 401;
   * without either, `~/.molecule/<workspaceId>/.auth_token`.
   */
  tokenFile?: string;
  /** A hosted (SaaS tenant) platform's organisation id (`MOLECULE_ORG_ID`); unset elsewhere. */
  orgId?: string;
  /**
   * How messages arrive: `"poll"` (no public URL needed) or `"push"`: the platform calls the
   * route handler this agent serves (see {@link serveRoute}). Default: poll when the platform
   * supports it and no `publicUrl` is given, else push.
   */
  delivery?: "poll" | "push";
  /** Where the runtime logs (default: `stderrLogger()`, info and up on stderr). */
  logger?: Logger;
  /** When the workspace is paused at start: refuse (default), wait, or resume it. */
  whenPaused?: RemoteAgentOptions["whenPaused"];
  /**
   * The model: an AI SDK model such as `openai("gpt-5-mini")` from `@ai-sdk/openai`, or a gateway
   * id such as `"openai/gpt-5-mini"`. Default: {@link DemoLanguageModel}, which needs no key.
   */
  model?: LanguageModel;
  /** Push: the public origin the platform reaches this process at (default: the bound address). */
  publicUrl?: string;
  /** Push: the interface and port to listen on (default `127.0.0.1`, or `0.0.0.0` with a `publicUrl`; a free port). */
  host?: string;
  port?: number;
}

/** A running specialist. */
export interface StartedAgent {
  /** The runtime: registration, heartbeats, pause/removal (and the poll loop in poll mode). */
  agent: RemoteAgent;
  /** The model in use, for display (the demo model says so). */
  model: string;
  /** The names of the tools the model can call. */
  tools: string[];
  /** Push: the route the platform calls (it ends with the secret path segment). */
  pushUrl?: string;
  /** Stops the agent (within `options.timeoutMs`: see `RemoteAgent.stop`), the route's server and the connections. */
  stop(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

const agentCard: AgentCard = {
  name: "Writer",
  description: "Writes short copy, checking facts with its peers.",
  skills: [{ id: "writing", name: "Writing", description: "drafts short copy", tags: [] }],
};

/**
 * Starts the writer. Its peers (listed when it starts) become tools named `call_<peer name>`;
 * every inbound message runs the agent, and its final text is the answer. History is kept per
 * conversation.
 */
export async function startAiSdkSpecialist(opts: StartOptions): Promise<StartedAgent> {
  const client = new PlatformClient({
    platformUrl: opts.platformUrl,
    workspaceId: opts.workspaceId,
    ...(opts.token
      ? { token: opts.token }
      : {
          tokenStore: new FileTokenStore({ workspaceId: opts.workspaceId, file: opts.tokenFile }),
        }),
    ...(opts.orgId ? { orgId: opts.orgId } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  let route: Route | undefined;
  try {
    const model = opts.model ?? new DemoLanguageModel();
    const tools = await peerTools(client);
    const writer = new ToolLoopAgent({
      model,
      tools,
      instructions: "You are the Writer. Write short copy; ask your peers with their tools.",
      stopWhen: isStepCount(5),
    });
    const handler = createPeerMessageHandler(writer);
    const mode =
      opts.delivery ??
      ((await pickDelivery(client, opts.publicUrl ? { publicUrl: opts.publicUrl } : {})) === "poll"
        ? "poll"
        : "push");
    if (mode === "push") route = await serveRoute(client, handler, opts);
    const agent = new RemoteAgent({
      client,
      agentCard,
      handler,
      // push: the route handler answers; RemoteAgent registers its URL and keeps the workspace alive
      delivery: route ? { mode: "push", server: false, publicUrl: route.url } : "poll",
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.whenPaused ? { whenPaused: opts.whenPaused } : {}),
    });
    await agent.start();
    const served = route;
    return {
      agent,
      model: model instanceof DemoLanguageModel ? DEMO_MODEL_LABEL : modelName(model),
      tools: Object.keys(tools),
      ...(served ? { pushUrl: served.url } : {}),
      async stop(options) {
        await agent.stop(options);
        await served?.close();
        await client.close();
      },
    };
  } catch (err) {
    await route?.close();
    await client.close();
    throw err;
  }
}

interface Route {
  url: string;
  close(): Promise<void>;
}

/**
 * The push route: `createPeerRequestHandler` (a web `Request -> Response` handler, as in a Next.js
 * route) mounted at `/molecule/*` of a Hono app, served by node:http. The platform must call it with
 * the path secret, so the URL is a capability: anything else gets a 404.
 */
export async function serveRoute(
  client: PlatformClient,
  handler: PeerMessageHandler,
  opts: Pick<StartOptions, "publicUrl" | "host" | "port"> = {},
): Promise<Route> {
  // Derived from the workspace token: a restarted writer serves the URL it registered before.
  const pathSecret = (await client.pushPathSecret()) ?? generatePathSecret();
  const handle = createPeerRequestHandler({
    client,
    handler,
    agentCard,
    basePath: "/molecule",
    pathSecret,
  });
  const app = new Hono();
  app.all("/molecule/*", (c) => handle(c.req.raw));

  const server = http.createServer(getRequestListener(app.fetch));
  // Idle connections outlive the platform proxy's (90 s), so it never reuses one being closed.
  raiseKeepAliveTimeout(server);
  await new Promise<void>((resolve, reject) => {
    const host = opts.host ?? (opts.publicUrl ? "0.0.0.0" : "127.0.0.1");
    server.once("error", reject).listen(opts.port ?? 0, host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  // The platform refuses IP-literal agent URLs: a loopback or wildcard bind is `localhost`.
  const local = address === "0.0.0.0" || address === "::" || address.startsWith("127.");
  const origin =
    opts.publicUrl?.replace(/\/+$/, "") ?? `http://${local ? "localhost" : address}:${port}`;
  return {
    url: `${origin}/molecule/${pathSecret}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function modelName(model: LanguageModel): string {
  return typeof model === "string" ? model : `${model.provider}:${model.modelId}`;
}
