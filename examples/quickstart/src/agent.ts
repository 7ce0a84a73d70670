// The echo agent: a Molecule workspace that answers every message with the same text.
// Core only (@molecule-ai/agent-core). It receives messages by polling where the platform can
// (no public URL needed), else by push to a small A2A server it starts (the April 2026 platform).
import { FileTokenStore, pickDelivery, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger, PushDeliveryOptions, RemoteAgentOptions } from "@molecule-ai/agent-core";

/** Where and how to connect. */
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
}

/** A running agent. */
export interface StartedAgent {
  /** The runtime (its `done` promise says why it ended). */
  agent: RemoteAgent;
  /** Stops the agent (within `options.timeoutMs`: see `RemoteAgent.stop`) and closes its connections. */
  stop(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/** Starts the echo agent: it registers, heartbeats and answers each message with `echo: <text>`. */
export async function startEchoAgent(opts: StartOptions): Promise<StartedAgent> {
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
  // With a public URL the platform comes from outside: listen on every interface.
  const push = {
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl, host: "0.0.0.0" } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  };
  try {
    const delivery: "poll" | PushDeliveryOptions =
      opts.delivery === "poll"
        ? "poll"
        : opts.delivery === "push"
          ? { mode: "push", ...push }
          : await pickDelivery(client, push);
    const agent = new RemoteAgent({
      client,
      agentCard: { name: "Echo", description: "Repeats every message it receives." },
      delivery,
      // The whole agent: the returned string is sent back to whoever wrote.
      handler: (msg) => `echo: ${msg.text}`,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.whenPaused ? { whenPaused: opts.whenPaused } : {}),
    });
    await agent.start();
    return {
      agent,
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
