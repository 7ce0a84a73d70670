// The echo agent: a Molecule workspace that answers every message with the same text.
// Core only (@molecule-ai/agent-core); receives messages by polling, so it needs no public URL.
import { FileTokenStore, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger } from "@molecule-ai/agent-core";

/** Where and how to connect. */
export interface StartOptions {
  /** The platform's base URL (the emulator's `emu.url`, or your platform). */
  platformUrl: string;
  /** This agent's workspace id. */
  workspaceId: string;
  /** The workspace token; without it, the token saved at `~/.molecule/<id>/.auth_token` is used. */
  token?: string;
  /** How messages arrive: `"poll"` (default, no public URL needed) or `"push"` (a local A2A server). */
  delivery?: "poll" | "push";
  /** Where the runtime logs (default: nowhere). */
  logger?: Logger;
}

/** A running agent. */
export interface StartedAgent {
  /** The runtime (its `done` promise says why it ended). */
  agent: RemoteAgent;
  /** Stops the agent and closes its connections. */
  stop(): Promise<void>;
}

/** Starts the echo agent: it registers, heartbeats and answers each message with `echo: <text>`. */
export async function startEchoAgent(opts: StartOptions): Promise<StartedAgent> {
  const client = new PlatformClient({
    platformUrl: opts.platformUrl,
    workspaceId: opts.workspaceId,
    ...(opts.token
      ? { token: opts.token }
      : { tokenStore: new FileTokenStore({ workspaceId: opts.workspaceId }) }),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const agent = new RemoteAgent({
    client,
    agentCard: { name: "Echo", description: "Repeats every message it receives." },
    delivery: opts.delivery ?? "poll",
    // The whole agent: the returned string is sent back to whoever wrote.
    handler: (msg) => `echo: ${msg.text}`,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  try {
    await agent.start();
  } catch (err) {
    await client.close();
    throw err;
  }
  return {
    agent,
    async stop() {
      await agent.stop();
      await client.close();
    },
  };
}
