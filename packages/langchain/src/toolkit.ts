import type { ToolMessage } from "@langchain/core/messages";
import { BaseToolkit } from "@langchain/core/tools";
import type { DynamicStructuredTool, StructuredToolInterface } from "@langchain/core/tools";
import {
  DELEGATE_DESCRIPTION,
  LIST_PEERS_DESCRIPTION,
  toolClientOf,
  planPeerTools,
  runDelegate,
  runListPeers,
  selectPeers,
} from "@molecule-ai/agent-core/peer-tools";
import type {
  PeerSelection,
  PeerSelector,
  PeerToolPlanOptions,
} from "@molecule-ai/agent-core/peer-tools";
import { z } from "zod/v4";
import { createPeerTool } from "./peer-tool.js";
import type { PeerTool, PeerToolOptions } from "./peer-tool.js";
import { moleculeTool } from "./tool-result.js";
import type { DelegationResult, Peer } from "@molecule-ai/agent-core";
import type {
  AgentSource,
  DelegateClient,
  ListPeersClient,
  OnPeerError,
  PeerToolErrorArtifact,
  PeerToolkitClient,
} from "./types.js";

/** Selects peers by id or name (case-insensitive), a list of them, or a predicate. */
export type PeerFilter = PeerSelector<Peer>;

/** Options of {@link loadPeerTools}: peer filters, names, and the options of every peer tool. */
export interface LoadPeerToolsOptions
  extends Omit<PeerToolOptions, "name" | "description">, PeerToolPlanOptions {
  /** Search text passed to `client.listPeers({ q })`. */
  query?: string;
  /** Bypass the client's peer cache. */
  fresh?: boolean;
  /** Cancels the peer listing. */
  signal?: AbortSignal;
}

/** One peer tool per planned peer; every option but the plan's goes to each tool. */
function toolsFor(
  client: Pick<PeerToolkitClient, "callPeer">,
  peers: readonly Peer[],
  options: LoadPeerToolsOptions,
): PeerTool[] {
  return planPeerTools(peers, options).map(({ peer, name, description }) =>
    createPeerTool(client, peer, { ...options, name, description }),
  );
}

/**
 * Lists this workspace's peers and turns each into a tool (like `loadMcpTools` for MCP servers).
 * Names are `call_<slug>`; peers whose names collide get an id suffix, deterministically.
 *
 * @param source - A running `RemoteAgent` (calls await a polling peer's answer) or a `PlatformClient` (needs `listPeers` and `callPeer`).
 * @param options - Peer filters, name overrides and the options of every peer tool.
 */
export async function loadPeerTools(
  source: Pick<PeerToolkitClient, "listPeers" | "callPeer"> | AgentSource,
  options: LoadPeerToolsOptions = {},
): Promise<PeerTool[]> {
  const client = toolClientOf<Pick<PeerToolkitClient, "listPeers" | "callPeer">>(
    source,
    ["listPeers", "callPeer"],
    "loadPeerTools",
  );
  const { query: q, fresh, signal } = options;
  return toolsFor(client, await client.listPeers({ q, fresh, signal }), options);
}

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

/**
 * What {@link PeerToolkit.getTools} returns: the tools as an empty or a non-empty tuple. With a
 * plain array type, `createAgent({ tools: [...toolkit.getTools(), myTool] })` fails to
 * type-check (TS2769: the spread infers a tuple the array literal does not satisfy).
 */
export type PeerToolkitTools = [] | [StructuredToolInterface, ...StructuredToolInterface[]];

/** Options of {@link PeerToolkit.fromClient}. */
export interface PeerToolkitOptions extends LoadPeerToolsOptions {
  /** Add the `list_peers` tool (default true; `false` to leave it out, or its options). */
  listPeers?: boolean | ListPeersToolOptions;
  /** Add the `delegate_to_peer` tool (default true; `false` to leave it out, or its options). */
  delegate?: boolean | DelegateToolOptions;
}

/**
 * A LangChain toolkit of one tool per peer, plus `list_peers` and `delegate_to_peer`. Build it with
 * {@link PeerToolkit.fromClient}; call {@link PeerToolkit.refresh} when the org changes.
 */
export class PeerToolkit extends BaseToolkit {
  /** Every tool of the toolkit (peer tools first). */
  tools: StructuredToolInterface[] = [];
  /** The peers the peer tools call. */
  peers: Peer[] = [];
  readonly #client: PeerToolkitClient;
  readonly #options: PeerToolkitOptions;

  /** Prefer {@link PeerToolkit.fromClient}, which also loads the peers. */
  constructor(client: PeerToolkitClient | AgentSource, options: PeerToolkitOptions = {}) {
    super();
    const needed = ["callPeer", "listPeers", ...(options.delegate === false ? [] : ["delegate"])];
    this.#client = toolClientOf<PeerToolkitClient>(client, needed, "PeerToolkit");
    this.#options = options;
  }

  /** Creates a toolkit and loads the peers. */
  static async fromClient(
    client: PeerToolkitClient | AgentSource,
    options: PeerToolkitOptions = {},
  ): Promise<PeerToolkit> {
    const toolkit = new PeerToolkit(client, options);
    await toolkit.refresh();
    return toolkit;
  }

  /** Every tool, typed to mix with your own: `createAgent({ tools: [...toolkit.getTools(), myTool] })`. */
  override getTools(): PeerToolkitTools {
    const [first, ...rest] = this.tools;
    return first === undefined ? [] : [first, ...rest];
  }

  /** Re-lists the peers and rebuilds the tools; returns the new tool list. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<StructuredToolInterface[]> {
    const { listPeers = true, delegate = true, ...load } = this.#options;
    const signal = options.signal ?? load.signal;
    const listed = await this.#client.listPeers({ q: load.query, fresh: true, signal });
    const peers = selectPeers(listed, load);
    const { onError, include, exclude, skills } = load;
    const shared = { onError, include, exclude, skills };
    const extra: StructuredToolInterface[] = [];
    if (listPeers !== false) {
      extra.push(
        createListPeersTool(this.#client, { ...shared, ...(listPeers === true ? {} : listPeers) }),
      );
    }
    if (delegate !== false) {
      const allowedPeerIds = peers.map((p) => p.id);
      extra.push(
        createDelegateTool(this.#client, {
          ...shared,
          allowedPeerIds,
          ...(delegate === true ? {} : delegate),
        }),
      );
    }
    const reservedNames = [...(load.reservedNames ?? []), ...extra.map((t) => t.name)];
    this.tools = [...toolsFor(this.#client, listed, { ...load, reservedNames }), ...extra];
    this.peers = peers;
    return this.tools;
  }

  /** The peer tool for a peer id, if the peer is in the toolkit. */
  getPeerTool(peerId: string): PeerTool | undefined {
    const index = this.peers.findIndex((p) => p.id === peerId);
    return index === -1 ? undefined : (this.tools[index] as PeerTool);
  }
}
