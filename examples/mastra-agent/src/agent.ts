// A Mastra agent as a Molecule workspace: its tools are its peers (the AI SDK adapter's
// `peerTools`, which Mastra runs as AI SDK tools), org memory (`memoryTools`) and a `refund` tool a
// person approves on the canvas (`needsApproval`, which Mastra suspends the run for; the run is
// kept in the agent's store, so a decision made after a restart resumes it); the AI SDK adapter's
// message handler answers each inbound message with `agent.stream`, sent as it is written to a
// caller that streams.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type {
  AgentStore,
  InboundMessage,
  Logger,
  RemoteAgentOptions,
} from "@molecule-ai/agent-core";
import { decisionOn, durableToolCallVerdict } from "@molecule-ai/agent-core/org";
import type { ApprovalRequestInput } from "@molecule-ai/agent-core/org";
import { createPeerMessageHandler, memoryTools, peerTools } from "@molecule-ai/ai-sdk";
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
import { CALL_KEY_PREFIX, callKey, restoreRun, saveRun } from "./suspended-runs.js";

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
  /**
   * The agent's store (e.g. `fileStore(path)`; default: the agent's default store, a file under
   * `MOLECULE_STATE_DIR` with poll delivery). A run suspended for a person's decision is kept in
   * it, so with poll delivery a message that waited when the process died comes again after a
   * restart, resumes the same run and waits on the same request; an approved call runs once.
   */
  store?: AgentStore;
  /** Any A2A agents by URL, each a tool beside the peers (`a2aAgentTool`; connect them first). */
  a2aAgents?: readonly RemoteA2AAgent[];
}

/** A running Mastra workspace. */
export interface StartedMastraAgent {
  agent: Agent;
  /**
   * The Mastra instance the agent is registered with (its storage holds suspended runs; the
   * agent's store keeps a copy of each, put back after a restart).
   */
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
    ...(options.store ? { store: options.store } : {}),
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
  // A suspended run (a tool waiting for approval) is in Mastra's storage until it resumes; a copy
  // of it is kept in the agent's store for a restart (src/suspended-runs.ts).
  const mastra = new Mastra({
    agents: { writer: agent },
    storage: new InMemoryStore(),
    logger: false,
  });
  const asker = options.approvals ?? remote;
  const calls = remote.pendingToolCalls;

  /**
   * A person's decision on a suspended call (core's approvals: the complete input shown, the
   * decision bound to its SHA-256), `undefined` to run it, else the line the model reads. Kept in
   * the agent's store with the run's snapshots before anyone is asked (`durableToolCallVerdict`,
   * keyed by the run and call, the request too), so after a restart the same request is waited on,
   * and an approval is taken once.
   */
  async function decide(
    s: Suspension,
    message: InboundMessage,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const key = callKey(s.runId, s.toolCallId);
    const ask = async (request: ApprovalRequestInput) => {
      const input = { ...request, context: { tool: s.toolName, toolCallId: s.toolCallId } };
      const wait = {
        key,
        ...(options.approvalPollMs ? { pollIntervalMs: options.approvalPollMs } : {}),
        ...(signal ? { signal } : {}),
      };
      const d =
        "requestApproval" in asker
          ? await asker.requestApproval(input, wait)
          : await asker.request(input, wait);
      return decisionOn(
        { approvalId: d.approvalId, digest: (request as { digest: string }).digest },
        d,
      );
    };
    const messageKey = messageKeyOf(message);
    const call = {
      key,
      tool: s.toolName,
      input: s.args,
      run: await saveRun(mastra, s.runId, s.toolCallId),
      ...(messageKey === undefined ? {} : { messageKey }),
    };
    return durableToolCallVerdict(calls, call, ask, {
      reason: "the writer wants to refund an order",
      ...(options.logger ? { logger: options.logger } : {}),
      label: "startMastraAgent",
    });
  }

  /** The run a restart interrupted while this message's call waited, back in Mastra's storage. */
  async function keptRun(message: InboundMessage): Promise<Suspension | undefined> {
    const messageKey = messageKeyOf(message);
    if (messageKey === undefined) return undefined;
    const kept = (await calls.forMessage(messageKey)).findLast(
      (r) => r.key.startsWith(CALL_KEY_PREFIX) && r.run !== undefined,
    );
    if (kept?.run === undefined) return undefined;
    const run = await restoreRun(mastra, kept.run);
    return { runId: run.runId, toolCallId: run.toolCallId, toolName: kept.tool, args: kept.input };
  }

  // Mastra's `stream` takes the AI SDK's ModelMessage list: the handler keeps the history, and
  // sends the text as it comes to a caller that streams (the whole text to one that does not).
  // A message that comes again after a restart resumes the run it suspended instead.
  const answer = async function* (
    messages: ModelMessage[],
    message: InboundMessage,
    abortSignal?: AbortSignal,
  ) {
    let suspended = await keptRun(message);
    let run = suspended
      ? undefined
      : await agent.stream(messages, abortSignal ? { abortSignal } : {});
    let ran: string[] = [];
    for (;;) {
      if (run) {
        for await (const chunk of run.textStream) yield chunk;
        const full = await run.getFullOutput();
        if (ran.length > 0) await calls.finish(ran);
        ran = [];
        if (full.finishReason !== "suspended") return;
        // A `needsApproval` tool suspended the run: a person decides on the canvas, then the run
        // resumes with the decision (a decline's reason is what the model reads).
        const { toolCallId, toolName, args } = full.suspendPayload as Omit<Suspension, "runId">;
        suspended = { runId: run.runId, toolCallId, toolName, args };
      }
      const s = suspended!;
      const verdict = await decide(s, message, abortSignal);
      const resume = {
        runId: s.runId,
        toolCallId: s.toolCallId,
        ...(abortSignal ? { abortSignal } : {}),
      };
      if (verdict === undefined) ran = [callKey(s.runId, s.toolCallId)];
      run =
        verdict === undefined
          ? await agent.approveToolCall(resume)
          : await agent.declineToolCall({ ...resume, reason: verdict });
    }
  };
  const handler = createPeerMessageHandler(({ messages, message, abortSignal }) => ({
    textStream: answer(messages, message, abortSignal),
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

/** A run suspended on one tool call waiting for a person. */
interface Suspension {
  runId: string;
  toolCallId: string;
  toolName: string;
  args: unknown;
}

/** The inbound message a turn answers, as its calls are kept: `<sender>\n<messageId>`. */
function messageKeyOf(message: InboundMessage): string | undefined {
  return message.messageId ? `${message.sourceId ?? ""}\n${message.messageId}` : undefined;
}
