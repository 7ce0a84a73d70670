// An OpenAI Agents SDK `Agent` as a Molecule workspace, with @molecule-ai/openai-agents: its tools
// are its peers and a `refund` tool a person approves on the canvas (`needsApproval`), and each
// inbound message is one `run()` of the agent (streamed to a caller that streams: `handler.stream`).
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { createPeerMessageHandler, peerTools } from "@molecule-ai/openai-agents";
import type { ApprovalAsker } from "@molecule-ai/openai-agents";
import { Agent, tool } from "@openai/agents";
import { z } from "zod";
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
  /** Who a person's decisions on `refund` come through (default: the workspace's `RemoteAgent`). */
  approvals?: ApprovalAsker;
  /** How often a pending decision is re-read besides the event stream (default 5 000 ms). */
  approvalPollMs?: number;
}

/** A running workspace. */
export interface StartedAgentsAgent {
  remote: RemoteAgent<PlatformClient>;
  /** The message handler: `.stream()` sends the answer as it is written (serve it with core's `createMessageEndpoint`). */
  handler: ReturnType<typeof createPeerMessageHandler>;
  /** Orders `refund` ran for (only after a person approved). */
  refunded: string[];
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
  const refunded: string[] = [];
  const refund = tool({
    name: "refund",
    description: "Refund an order. A person approves each refund on the canvas first.",
    parameters: z.object({ order: z.string() }),
    needsApproval: true,
    execute: async ({ order }) => {
      refunded.push(order);
      return `refunded ${order}`;
    },
  });
  const tools = [...(await peerTools(remote)), refund];
  const agent = new Agent({
    name: "Writer",
    instructions: "You write. Ask your peers when a question is theirs.",
    model: options.model ?? new DemoAgentsModel(),
    tools,
  });
  const handler = createPeerMessageHandler(agent, {
    approvals: {
      asker: options.approvals ?? remote,
      reason: "the writer wants to refund an order",
      ...(options.approvalPollMs ? { pollIntervalMs: options.approvalPollMs } : {}),
    },
  });
  await remote.start();
  return {
    remote,
    handler,
    refunded,
    tools: tools.map((t) => t.name),
    async stop() {
      await remote.stop();
      await client.close();
    },
  };
}
