import type { PeerCallResult } from "@molecule-ai/agent-core";
import {
  holdAnsweredTask,
  peerFailureText,
  peerResultText,
  peerToolDescription,
  runPeerTool,
  toolClientOf,
  toPeerRef,
} from "@molecule-ai/agent-core/peer-tools";
import { peerToolInputSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
import type {
  PeerToolCallSettings,
  PeerToolFailure,
  PeerToolInput,
  WorkLedger,
} from "@molecule-ai/agent-core/peer-tools";
import { tool } from "ai";
import type { Tool, ToolExecutionOptions, ToolSet } from "ai";
import type { SingleToolApprovalFunction, ToolApprovalStatus } from "ai";
import type { AgentSource, PeerRef, PeerToolClient } from "./client.js";

/** What a tool's `toModelOutput` returns (the AI SDK's `ToolResultOutput`, which `ai` does not re-export). */
export type ToolResultOutput = Awaited<ReturnType<NonNullable<Tool["toModelOutput"]>>>;

/**
 * A peer call that produced no answer (peer down, slow, overloaded, refused, failed task).
 * Returned, not thrown, so the model can react; `error` is safe to show.
 */
export type PeerToolError = PeerToolFailure;

/**
 * A peer tool's result: the peer's answer from `client.callPeer` (its `text` as received, markers
 * included) or a {@link PeerToolError}. The model sees {@link peerResultToModelOutput} of it.
 */
export type PeerToolOutput = PeerCallResult | PeerToolError;

/** A tool that sends a message to one peer; what {@link peerTool} returns. */
export type PeerTool = {
  /** Calls the peer; resolves to the result (never an async iterable). */
  execute: (
    input: PeerToolInput,
    options: ToolExecutionOptions<Record<string, unknown>>,
  ) => Promise<PeerToolOutput>;
} & Tool<PeerToolInput, PeerToolOutput>;

/** Options for {@link peerTool}. */
export interface PeerToolOptions extends Omit<PeerToolCallSettings, "callOptions"> {
  /** The description the model sees. Default: built from the peer's name, role, card and skills. */
  description?: string;
  /** Provider-specific tool options (passed to the AI SDK tool as is), e.g. cache control. */
  providerOptions?: Tool<PeerToolInput, PeerToolOutput>["providerOptions"];
  /**
   * Where an unfinished task the peer answers with is held, so the follow-up tools of the same
   * ledger (`workTools`) may reach it. `peerTools` with `delegations` sets it.
   */
  ledger?: WorkLedger;
}

/**
 * Builds an AI SDK tool that sends the model's message to one Molecule peer through
 * `client.callPeer`. The AI SDK `abortSignal` cancels the call. The tool result keeps the full
 * {@link PeerToolOutput}; the model sees {@link peerResultToModelOutput} of it (sanitised peer
 * text). Peer-side failures (down, slow, 429/5xx, failed task) become a {@link PeerToolError}
 * result; this agent's own failures (bad token, removed workspace) and aborts throw.
 *
 * @example
 * const billing = peerTool(client, "ws-billing", { description: "Ask billing about invoices" });
 * await generateText({ model, tools: { billing }, prompt, stopWhen: isStepCount(5) });
 */
export function peerTool(
  source: PeerToolClient | AgentSource,
  peer: PeerRef,
  options: PeerToolOptions = {},
): PeerTool {
  const client = toolClientOf<PeerToolClient>(source, ["callPeer"], "peerTool");
  const info = toPeerRef<Exclude<PeerRef, string>>(peer, "peerTool");
  const { description, providerOptions, timeoutMs, via, ledger } = options;
  return tool({
    description: description ?? peerToolDescription(info),
    inputSchema: peerToolInputSchema,
    ...(providerOptions === undefined ? {} : { providerOptions }),
    metadata: { molecule: { peerId: info.id } },
    execute: async (input, { abortSignal }): Promise<PeerToolOutput> => {
      const outcome = await runPeerTool(client, info, input, {
        timeoutMs,
        via,
        signal: abortSignal,
      });
      if (outcome.ok)
        holdAnsweredTask(ledger, { id: info.id, name: peerName(info) }, outcome.result);
      return outcome.ok ? outcome.result : outcome.failure;
    },
    toModelOutput: (call) => peerResultToModelOutput(toolOutputOf<PeerToolOutput>(call), info),
  }) as PeerTool;
}

/**
 * The AI SDK `toolApproval` entries that give every peer tool in `tools` (those `peerTool`,
 * `peerTools` and `a2aAgentTool` made; not `list_peers`, `delegate_to_peer` or your own tools)
 * `rule`: by default `"user-approval"`, so each peer call stops as a `tool-approval-request`
 * (answer it with `canvasApprovals`); or a status, or `(input, { toolCallId, messages }) => status`.
 * Pass them to `generateText`, `streamText` or `ToolLoopAgent`, next to your own entries.
 *
 * @example
 * const tools = { ...(await peerTools(agent)), refund };
 * const toolApproval = { ...peerToolApproval(tools), refund: "user-approval" } as const;
 * new ToolLoopAgent({ model, tools, toolApproval });
 */
export function peerToolApproval(
  tools: ToolSet,
  rule:
    | ToolApprovalStatus
    | SingleToolApprovalFunction<PeerToolInput, unknown, unknown> = "user-approval",
): Record<string, ToolApprovalStatus | SingleToolApprovalFunction<unknown, unknown, unknown>> {
  const approval: ReturnType<typeof peerToolApproval> = {};
  for (const [name, t] of Object.entries(tools)) {
    const meta = (t as { metadata?: { molecule?: { peerId?: unknown } } }).metadata;
    // Only peer tools get `rule`, so its input is a peer tool's (parsed by the tool's schema).
    if (typeof meta?.molecule?.peerId === "string")
      approval[name] = rule as (typeof approval)[string];
  }
  return approval;
}

/** The peer's name when known, else its id. */
function peerName(peer: { id: string; name?: string | null | undefined }): string {
  return typeof peer.name === "string" && peer.name !== "" ? peer.name : peer.id;
}

/**
 * The tool's output from what `toModelOutput` was called with: the AI SDK (since v6) passes
 * `{ toolCallId, input, output }`; hosts that call tools with the AI SDK v5 signature pass the
 * output itself (Mastra 1.x does, for every AI SDK tool it runs). A tool's own output never has a
 * `toolCallId` key.
 */
export function toolOutputOf<O>(call: { output: O } | O): O {
  const wrapped =
    typeof call === "object" && call !== null && "toolCallId" in call && "output" in call;
  return wrapped ? (call as { output: O }).output : (call as O);
}

/**
 * What the model sees of a peer tool's result: the sanitised peer text or a note (queued, still
 * working, how to continue), or an `error-text` for a failure. The same words as every adapter.
 */
export function peerResultToModelOutput(
  output: PeerToolOutput,
  peer?: { id: string; name?: string | undefined },
): ToolResultOutput {
  const who = peer ?? { id: output.peerId };
  if (output.status === "error") return { type: "error-text", value: peerFailureText(output, who) };
  const value = peerResultText(output, who);
  return output.status === "failed" ? { type: "error-text", value } : { type: "text", value };
}
