// The two built-in tools next to the per-peer ones, as LangChain tools: `list_peers` and
// `delegate_to_peer` (core's runners, this package's tool wrapper).
import type { ToolMessage } from "@langchain/core/messages";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import type { DelegationResult, Peer } from "@molecule-ai/agent-core";
import {
  DELEGATE_DESCRIPTION,
  DELEGATE_TOOL_NAME,
  delegateStep,
  LIST_PEERS_DESCRIPTION,
  LIST_PEERS_TOOL_NAME,
  listPeersStep,
  toolClientOf,
  type AgentSource,
  type DelegateClient,
  type DelegateToolOptions,
  type ListPeersClient,
  type ListPeersToolOptions,
  type PeerToolErrorArtifact,
} from "@molecule-ai/agent-core/peer-tools";
import {
  delegateInputSchema,
  listPeersInputSchema,
} from "@molecule-ai/agent-core/peer-tools/schemas";
import { moleculeTool } from "./tool-result.js";

/** The `list_peers` tool. */
export type ListPeersTool = DynamicStructuredTool<
  typeof listPeersInputSchema,
  { query?: string | undefined },
  { query?: string | undefined },
  [string | ToolMessage, Peer[] | PeerToolErrorArtifact]
>;

/**
 * A tool that lists the peers this workspace may talk to (ids, names, roles, status, skills), so
 * the model can pick one for `delegate_to_peer`. The artifact holds the `Peer` objects.
 */
export function createListPeersTool(
  source: ListPeersClient | AgentSource,
  options: ListPeersToolOptions = {},
): ListPeersTool {
  const client = toolClientOf<ListPeersClient>(source, ["listPeers"], "createListPeersTool");
  const { name = LIST_PEERS_TOOL_NAME, onError = "return" } = options;
  const description = options.description ?? LIST_PEERS_DESCRIPTION;
  return moleculeTool(
    { name, description, schema: listPeersInputSchema, onError, mark: { kind: "list_peers" } },
    (input, config) => listPeersStep(client, input, { selection: options, signal: config?.signal }),
  ) as ListPeersTool;
}

/** The `delegate_to_peer` tool. */
export type DelegateTool = DynamicStructuredTool<
  typeof delegateInputSchema,
  { peerId: string; task: string },
  { peerId: string; task: string },
  [string | ToolMessage, DelegationResult | PeerToolErrorArtifact]
>;

/**
 * A tool for asynchronous delegation: the platform sends the task to the peer in the background
 * and the result comes back later as an inbound message. Returns the delegation id at once.
 */
export function createDelegateTool(
  source: DelegateClient | AgentSource,
  options: DelegateToolOptions = {},
): DelegateTool {
  const client = toolClientOf<DelegateClient>(source, ["delegate"], "createDelegateTool");
  const { name = DELEGATE_TOOL_NAME, onError = "return", idempotencyKey } = options;
  const description = options.description ?? DELEGATE_DESCRIPTION;
  const allowed = options.allowedPeerIds ? new Set(options.allowedPeerIds) : undefined;
  return moleculeTool(
    { name, description, schema: delegateInputSchema, onError, mark: { kind: "delegate" } },
    (input, config) =>
      delegateStep(client, input, {
        allowed,
        idempotencyKey,
        toolCallId: config?.toolCall?.id,
        signal: config?.signal,
      }),
  ) as DelegateTool;
}
