// A Mastra agent as a Molecule workspace: its tools are its peers (the AI SDK adapter's
// `peerTools`, which Mastra runs as AI SDK tools), org memory (`memoryTools`) and a `refund` tool a
// person approves on the canvas (`needsApproval`, which Mastra suspends the run for); the AI SDK
// adapter's message handler answers each inbound message with `agent.stream`, sent as it is
// written to a caller that streams.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { Logger, RemoteAgentOptions } from "@molecule-ai/agent-core";
import {
  canvasApprovals,
  createPeerMessageHandler,
  memoryTools,
  peerTools,
} from "@molecule-ai/ai-sdk";
import type { ApprovalAsker, PeerMessageHandler } from "@molecule-ai/ai-sdk";
import { Mastra } from "@mastra/core";
import { Agent } from "@mastra/core/agent";
import type { AgentConfig, ToolsInput } from "@mastra/core/agent";
import { InMemoryStore } from "@mastra/core/storage";
import { tool } from "ai";
import type { LanguageModel, ModelMessage } from "ai";
import { z } from "zod";
import { DemoLanguageModel } from "@example/ai-sdk-agent";
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { a2aAgentTools } from "./a2a-agents.js";

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
  /** Who a person's decisions on `refund` come through (default: the workspace's `RemoteAgent`). */
  approvals?: ApprovalAsker;
  /** How often a pending decision is re-read besides the event stream (default 5 000 ms). */
  approvalPollMs?: number;
  /** Any A2A agents by URL, each a tool beside the peers (`a2aAgentTool`; connect them first). */
  a2aAgents?: readonly RemoteA2AAgent[];
}

/** A running Mastra workspace. */
export interface StartedMastraAgent {
  agent: Agent;
  /** The Mastra instance the agent is registered with (its storage keeps suspended runs). */
  mastra: Mastra;
  remote: RemoteAgent<PlatformClient>;
  /** The message handler: `.stream()` sends the answer as it is written (core's `createMessageEndpoint` serves it). */
  handler: PeerMessageHandler;
  /** Orders `refund` ran for (only after a person approved). */
  refunded: string[];
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
  const refunded: string[] = [];
  const refund = tool({
    description: "Refund an order. A person approves each refund on the canvas first.",
    inputSchema: z.object({ order: z.string() }),
    needsApproval: true,
    execute: async ({ order }) => {
      refunded.push(order);
      return `refunded ${order}`;
    },
  });
  // `delegations`: the model can also check, wait for, cancel and list the work it started.
  const tools = {
    ...(await peerTools(remote, { delegations: true })),
    ...memoryTools(client),
    ...a2aAgentTools(options.a2aAgents),
    refund,
  };
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
  // A suspended run (a tool waiting for approval) is kept in Mastra's storage until it resumes.
  const mastra = new Mastra({
    agents: { writer: agent },
    storage: new InMemoryStore(),
    logger: false,
  });
  const asker = options.approvals ?? remote;
  const approvalOptions = {
    reason: "the writer wants to refund an order",
    ...(options.approvalPollMs ? { pollIntervalMs: options.approvalPollMs } : {}),
  };
  // Mastra's `stream` takes the AI SDK's ModelMessage list: the handler keeps the history, and
  // sends the text as it comes to a caller that streams (the whole text to one that does not).
  const answer = async function* (messages: ModelMessage[], abortSignal?: AbortSignal) {
    let run = await agent.stream(messages, abortSignal ? { abortSignal } : {});
    for (;;) {
      for await (const chunk of run.textStream) yield chunk;
      const full = await run.getFullOutput();
      if (full.finishReason !== "suspended") return;
      // A `needsApproval` tool suspended the run: a person decides on the canvas (the AI SDK
      // adapter's `canvasApprovals`, core's approvals), then the run resumes with the decision.
      const { toolCallId, toolName, args } = full.suspendPayload as {
        toolCallId: string;
        toolName: string;
        args: unknown;
      };
      const part = {
        type: "tool-approval-request",
        approvalId: `mastra:${run.runId}`,
        toolCall: { toolCallId, toolName, input: args },
      };
      const [decision] = (
        await canvasApprovals(asker, [part], {
          ...approvalOptions,
          ...(abortSignal ? { signal: abortSignal } : {}),
        })
      ).content as { approved: boolean; reason?: string }[];
      const resume = { runId: run.runId, toolCallId, ...(abortSignal ? { abortSignal } : {}) };
      run = decision?.approved
        ? await agent.approveToolCall(resume)
        : await agent.declineToolCall({ ...resume, reason: decision?.reason ?? "not approved" });
    }
  };
  const handler = createPeerMessageHandler(({ messages, abortSignal }) => ({
    textStream: answer(messages, abortSignal),
  }));
  await remote.start();
  return {
    agent,
    mastra,
    remote,
    handler,
    refunded,
    tools: Object.keys(tools),
    async stop() {
      await remote.stop();
      await client.close();
    },
  };
}
