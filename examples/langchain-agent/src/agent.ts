// The researcher: a LangChain `createAgent` whose tools are its Molecule peers, answering the
// messages other workspaces send it.
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { MemorySaver } from "@langchain/langgraph";
import { FileTokenStore, pickDelivery, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger, PushDeliveryOptions, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { createPeerMessageHandler, loadPeerTools } from "@molecule-ai/langchain";
import { createAgent } from "langchain";
import { DEMO_MODEL_LABEL, DemoChatModel } from "./model.js";

export { DEMO_MODEL_LABEL, DemoChatModel } from "./model.js";

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
   * How messages arrive: `"poll"` (no public URL needed) or `"push"` (a local A2A server).
   * Default: poll when the platform supports it and no `publicUrl` is given, else push.
   */
  delivery?: "poll" | "push";
  /** Push: the URL the platform reaches this process at (default `http://localhost:<port>`). */
  publicUrl?: string;
  /** Push: the port to listen on (default: a free port). */
  port?: number;
  /** Where the runtime logs (default: `stderrLogger()`, info and up on stderr). */
  logger?: Logger;
  /** When the workspace is paused at start: refuse (default), wait, or resume it. */
  whenPaused?: RemoteAgentOptions["whenPaused"];
  /**
   * The chat model: a LangChain model id such as `"openai:gpt-5-mini"` (install its provider
   * package, e.g. `@langchain/openai`, and set its API key) or a chat model instance. Default:
   * {@link DemoChatModel}, a deterministic stand-in that needs no key.
   */
  model?: string | BaseChatModel;
}

/** A running specialist. */
export interface StartedAgent {
  /** The runtime (its `done` promise says why it ended). */
  agent: RemoteAgent;
  /** The model in use, for display (the demo model says so). */
  model: string;
  /** The names of the peer tools the model can call. */
  tools: string[];
  /** Stops the agent (within `options.timeoutMs`: see `RemoteAgent.stop`) and closes its connections. */
  stop(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/**
 * Starts the researcher. Its peers (the workspaces it may talk to, listed when it starts) become
 * tools named `call_<peer name>`; every inbound message runs the agent, and the final answer is
 * the reply. Conversations are remembered per peer.
 */
export async function startLangChainSpecialist(opts: StartOptions): Promise<StartedAgent> {
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
  try {
    const model = opts.model ?? new DemoChatModel();
    const tools = await loadPeerTools(client);
    const researcher = createAgent({
      model,
      tools,
      systemPrompt:
        "You are the Researcher. Answer questions; ask your peers with their tools when they know more.",
      checkpointer: new MemorySaver(), // one remembered thread per peer
    });
    // With a public URL the platform comes from outside: listen on every interface.
    const push = {
      ...(opts.publicUrl ? { publicUrl: opts.publicUrl, host: "0.0.0.0" } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
    };
    const delivery: "poll" | PushDeliveryOptions =
      opts.delivery === "poll"
        ? "poll"
        : opts.delivery === "push"
          ? { mode: "push", ...push }
          : await pickDelivery(client, push);
    const agent = new RemoteAgent({
      client,
      agentCard: {
        name: "Researcher",
        description: "Answers questions, consulting its peers.",
        skills: [{ id: "research", name: "Research", description: "finds things out", tags: [] }],
      },
      delivery,
      handler: createPeerMessageHandler(researcher),
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.whenPaused ? { whenPaused: opts.whenPaused } : {}),
    });
    await agent.start();
    return {
      agent,
      model:
        typeof model === "string"
          ? model
          : model instanceof DemoChatModel
            ? DEMO_MODEL_LABEL
            : model.getName(),
      tools: tools.map((t) => t.name),
      async stop(options) {
        await agent.stop(options);
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}
