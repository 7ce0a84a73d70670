// The two built-in tools next to the per-peer ones, as LangChain tools: `list_peers` and
// `delegate_to_peer` (core's runners, this package's tool wrapper).
import type { ToolMessage } from "@langchain/core/messages";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import type { DelegationResult, Peer } from "@molecule-ai/agent-core";
import {
  DELEGATE_DESCRIPTION,
  LIST_PEERS_DESCRIPTION,
  runDelegate,
  runListPeers,
  toolClientOf,
} from "@molecule-ai/agent-core/peer-tools";
import type { PeerSelection } from "@molecule-ai/agent-core/peer-tools";
import { z } from "zod/v4";
import { moleculeTool } from "./tool-result.js";
import type {
  AgentSource,
  DelegateClient,
  ListPeersClient,
  OnPeerError,
  PeerToolErrorArtifact,
} from "./types.js";

const listPeersSchema: z.ZodObject<{ query: z.ZodOptional<z.ZodString> }> = z.object({
  query: z.string().optional().describe("Optional text to search peer names and roles."),
});

/** The `list_peers` tool. */
export type ListPeersTool = DynamicStructuredTool<
  typeof listPeersSchema,
  { query?: string | undefined },
  { query?: string | undefined },
  [string | ToolMessage, Peer[] | PeerToolErrorArtifact]
>;

/** Options of {@link createListPeersTool}. */
export interface ListPeersToolOptions extends PeerSelection<Peer> {
  /** Tool name; default `list_peers`. */
  name?: string;
  /** Tool description. */
  description?: string;
  /** See {@link PeerToolOptions.onError}. */
  onError?: OnPeerError;
}

/**
 * A tool that lists the peers this workspace may talk to (ids, names, roles, status, skills), so
 * the model can pick one for `delegate_to_peer`. The artifact holds the `Peer` objects.
 */
export function createListPeersTool(
  source: ListPeersClient | AgentSource,
  options: ListPeersToolOptions = {},
): ListPeersTool {
  const client = toolClientOf<ListPeersClient>(source, ["listPeers"], "createListPeersTool");
  const { name = "list_peers", onError = "return" } = options;
  const description = options.description ?? LIST_PEERS_DESCRIPTION;
  const mark = { kind: "list_peers" };
  return moleculeTool(
    { name, description, schema: listPeersSchema, onError, mark },
    async (input, config) => {
      try {
        const selection = options;
        const listing = await runListPeers(client, { ...input, signal: config?.signal, selection });
        return { ok: true, text: listing.text, artifact: listing.peers };
      } catch (error) {
        return { ok: false, error, peer: { id: "", name: "platform" } };
      }
    },
  ) as ListPeersTool;
}

const delegateSchema: z.ZodObject<{ peerId: z.ZodString; task: z.ZodString }> = z.object({
  peerId: z.string().min(1).describe("The id of the peer to delegate to (from list_peers)."),
  task: z.string().min(1).describe("The task, self-contained: the peer sees nothing else."),
});

/** The `delegate_to_peer` tool. */
export type DelegateTool = DynamicStructuredTool<
  typeof delegateSchema,
  { peerId: string; task: string },
  { peerId: string; task: string },
  [string | ToolMessage, DelegationResult | PeerToolErrorArtifact]
>;

/** Options of {@link createDelegateTool}. */
export interface DelegateToolOptions {
  /** Tool name; default `delegate_to_peer`. */
  name?: string;
  /** Tool description. */
  description?: string;
  /** Peer ids the model may delegate to; others are refused with an error message. */
  allowedPeerIds?: Iterable<string>;
  /**
   * The idempotency key of a delegation. Default: `makeIdempotencyKey("<peerId>:<task>")`, so a
   * retried tool call within the same minute does not delegate twice, and the same task sent to
   * two peers does not collide (the platform scopes keys per source workspace, not per target).
   */
  idempotencyKey?: (input: { peerId: string; task: string; toolCallId?: string }) => string;
  /** See {@link PeerToolOptions.onError}. */
  onError?: OnPeerError;
}

/**
 * A tool for asynchronous delegation: the platform sends the task to the peer in the background
 * and the result comes back later as an inbound message. Returns the delegation id at once.
 */
export function createDelegateTool(
  source: DelegateClient | AgentSource,
  options: DelegateToolOptions = {},
): DelegateTool {
  const client = toolClientOf<DelegateClient>(source, ["delegate"], "createDelegateTool");
  const { name = "delegate_to_peer", onError = "return" } = options;
  const description = options.description ?? DELEGATE_DESCRIPTION;
  const allowed = options.allowedPeerIds ? new Set(options.allowedPeerIds) : undefined;
  return moleculeTool(
    { name, description, schema: delegateSchema, onError, mark: { kind: "delegate" } },
    async (input, config) => {
      const toolCallId = config?.toolCall?.id;
      const idempotencyKey = options.idempotencyKey?.({
        ...input,
        ...(toolCallId ? { toolCallId } : {}),
      });
      const outcome = await runDelegate(client, input, {
        allowed,
        signal: config?.signal,
        idempotencyKey,
      });
      if (outcome.ok) return { ok: true, text: outcome.text, artifact: outcome.result };
      return { ...outcome, peer: { id: input.peerId, name: input.peerId } };
    },
  ) as DelegateTool;
}
