// A Mastra agent as a Molecule workspace: its tools are its peers (the AI SDK adapter's
// `peerTools`, which Mastra runs as AI SDK tools) and org memory (`memoryTools`), and the AI SDK
// adapter's message handler answers each inbound message with `agent.generate`.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { createPeerMessageHandler, memoryTools, peerTools } from "@molecule-ai/ai-sdk";
import { Agent } from "@mastra/core/agent";
import type { AgentConfig, ToolsInput } from "@mastra/core/agent";
import type { LanguageModel } from "ai";
import { DemoLanguageModel } from "@example/ai-sdk-agent";

/** Where and how to connect, and which model to use. */
export interface StartMastraOptions {
  platformUrl: string;
  workspaceId: string;
  token: string;
  /**
   * `"poll"` (no public URL needed) or `"push"` (core serves the A2A endpoint on 127.0.0.1).
   * Default: poll where the platform has it, else push (as the root README says).
   */
  delivery?: RemoteAgentOptions["delivery"];
  /** An AI SDK model (Mastra runs AI SDK models). Default: the examples' deterministic demo model. */
  model?: LanguageModel;
  logger?: Logger;
}

/** A running Mastra workspace. */
export interface StartedMastraAgent {
  agent: Agent;
  remote: RemoteAgent<PlatformClient>;
  /** The tool names the agent was given. */
  tools: string[];
  stop(): Promise<void>;
}

/** Starts a Mastra `Agent` as workspace `workspaceId`: answers messages, calls peers as tools. */
export async function startMastraAgent(options: StartMastraOptions): Promise<StartedMastraAgent> {
  const { platformUrl, workspaceId, token } = options;
  const client = new PlatformClient({ platformUrl, workspaceId, token });
  const remote = new RemoteAgent({
    client,
    // Unset: poll where the platform has it, else push (the April 2026 platform refuses poll).
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.logger ? { logger: options.logger } : {}),
    handler: (msg, ctx) => handler(msg, ctx),
  });
  const tools = { ...(await peerTools(remote)), ...memoryTools(client) };
  const agent = new Agent({
    id: "writer",
    name: "Writer",
    instructions: "You write. Ask your peers when a question is theirs; remember what matters.",
    // Two casts, both for Mastra 1.71's types only (README, "What does not"): its type for an AI
    // SDK v7 model (LanguageModelV4) wants `doGenerate` to resolve like `doStream`, and its tool
    // type wants `description` to be a string where the AI SDK's may be a function.
    model: (options.model ?? new DemoLanguageModel()) as AgentConfig["model"],
    tools: tools as ToolsInput,
  });
  // Mastra's `generate` takes the AI SDK's ModelMessage list: the handler keeps the history.
  const handler = createPeerMessageHandler(async ({ messages, abortSignal }) => {
    const result = await agent.generate(messages, abortSignal ? { abortSignal } : {});
    return result.text;
  });
  await remote.start();
  return {
    agent,
    remote,
    tools: Object.keys(tools),
    async stop() {
      await remote.stop();
      await client.close();
    },
  };
}
