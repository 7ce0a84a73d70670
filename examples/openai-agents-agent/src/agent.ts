// An OpenAI Agents SDK `Agent` as a Molecule workspace, with @molecule-ai/openai-agents: its tools
// are its peers, and each inbound message is one `run()` of the agent.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { createPeerMessageHandler, peerTools } from "@molecule-ai/openai-agents";
import { Agent } from "@openai/agents";
import type { Model } from "@openai/agents";
import { DemoAgentsModel } from "./model.js";

export { DemoAgentsModel } from "./model.js";

/** Where and how to connect, and which model to use. */
export interface StartAgentsOptions {
  platformUrl: string;
  workspaceId: string;
  token: string;
  /**
   * `"poll"` (no public URL needed) or `"push"` (core serves the A2A endpoint on 127.0.0.1).
   * Default: poll where the platform has it, else push (as the root README says).
   */
  delivery?: RemoteAgentOptions["delivery"];
  /** A model name (`"gpt-5"`, needs `OPENAI_API_KEY`) or a `Model`. Default: {@link DemoAgentsModel}. */
  model?: string | Model;
  logger?: Logger;
}

/** A running workspace. */
export interface StartedAgentsAgent {
  remote: RemoteAgent<PlatformClient>;
  /** The tool names the agent was given. */
  tools: string[];
  stop(): Promise<void>;
}

/** Starts an OpenAI Agents SDK agent as workspace `workspaceId`: answers messages, calls peers. */
export async function startAgentsAgent(options: StartAgentsOptions): Promise<StartedAgentsAgent> {
  const { platformUrl, workspaceId, token } = options;
  const client = new PlatformClient({ platformUrl, workspaceId, token });
  const remote = new RemoteAgent({
    client,
    // Unset: poll where the platform has it, else push (the April 2026 platform refuses poll).
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.logger ? { logger: options.logger } : {}),
    handler: (msg, ctx) => handler(msg, ctx),
  });
  const tools = await peerTools(remote);
  const agent = new Agent({
    name: "Writer",
    instructions: "You write. Ask your peers when a question is theirs.",
    model: options.model ?? new DemoAgentsModel(),
    tools,
  });
  const handler = createPeerMessageHandler(agent);
  await remote.start();
  return {
    remote,
    tools: tools.map((t) => t.name),
    async stop() {
      await remote.stop();
      await client.close();
    },
  };
}
