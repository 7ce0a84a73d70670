// Every peer as a tool at once: `loadPeerTools` and the `PeerToolkit` (peer tools plus the
// built-in `list_peers` and `delegate_to_peer`).
import type { Peer } from "@molecule-ai/agent-core";
import { BaseToolkit, type StructuredToolInterface } from "@langchain/core/tools";
import { planPeerToolkit, planPeerTools, toolClientOf } from "@molecule-ai/agent-core/peer-tools";
import type {
  AgentSource,
  LoadPeerToolsOptions,
  PeerSelector,
  PeerToolkitClient,
  PeerToolkitOptions,
  PlannedPeerTool,
} from "@molecule-ai/agent-core/peer-tools";
import { createDelegateTool, createListPeersTool } from "./builtin-tools.js";
import { createPeerTool, type PeerTool } from "./peer-tool.js";
import { createWorkTools } from "./work-tools.js";

/** Selects peers by id or name (case-insensitive), a list of them, or a predicate. */
export type PeerFilter = PeerSelector<Peer>;

/**
 * What {@link loadPeerTools} resolves to: the peer tools as an empty or a non-empty tuple, so they
 * mix with your own in `createAgent({ tools: [...(await loadPeerTools(remote)), myTool] })` (with
 * a plain `PeerTool[]`, LangChain's `createAgent` overloads fail that spread with TS2769,
 * "'responseFormat' is missing").
 */
export type PeerToolList = [] | [PeerTool, ...PeerTool[]];

/** `tools` as an empty or a non-empty tuple (see {@link PeerToolList}). */
function asToolList<T>(tools: T[]): [] | [T, ...T[]] {
  const [first, ...rest] = tools;
  return first === undefined ? [] : [first, ...rest];
}

/** One peer tool per planned peer; every option but the plan's goes to each tool. */
function toolsFor(
  client: Pick<PeerToolkitClient, "callPeer">,
  planned: readonly PlannedPeerTool[],
  options: LoadPeerToolsOptions,
): PeerTool[] {
  return planned.map(({ peer, name, description }) =>
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
): Promise<PeerToolList> {
  const client = toolClientOf<Pick<PeerToolkitClient, "listPeers" | "callPeer">>(
    source,
    ["listPeers", "callPeer"],
    "loadPeerTools",
  );
  const { query: q, fresh, signal } = options;
  const peers = await client.listPeers({ q, fresh, signal });
  return asToolList(toolsFor(client, planPeerTools(peers, options), options));
}

/**
 * What {@link PeerToolkit.getTools} returns: the tools as an empty or a non-empty tuple. With a
 * plain array type, `createAgent({ tools: [...toolkit.getTools(), myTool] })` fails to
 * type-check (TS2769: the spread infers a tuple the array literal does not satisfy).
 */
export type PeerToolkitTools = [] | [StructuredToolInterface, ...StructuredToolInterface[]];

/**
 * A LangChain toolkit of one tool per peer, plus `list_peers` and `delegate_to_peer`. Build it with
 * {@link PeerToolkit.fromClient}; call {@link PeerToolkit.refresh} when the org changes.
 */
export class PeerToolkit extends BaseToolkit {
  #tools: PeerToolkitTools = [];
  /** The peers the peer tools call. */
  peers: Peer[] = [];
  readonly #client: PeerToolkitClient;
  readonly #options: PeerToolkitOptions;

  /** Prefer {@link PeerToolkit.fromClient}, which also loads the peers. */
  constructor(client: PeerToolkitClient | AgentSource, options: PeerToolkitOptions = {}) {
    super();
    const needed = ["callPeer", "listPeers", ...(options.delegate === false ? [] : ["delegate"])];
    if (options.delegations) needed.push("listDelegations", "peerTasks");
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

  /**
   * Every tool of the toolkit (peer tools first), typed to mix with your own:
   * `createAgent({ tools: [...kit.tools, myTool] })`. Rebuilt by {@link PeerToolkit.refresh}.
   */
  get tools(): PeerToolkitTools {
    return this.#tools;
  }

  /** Every tool, typed to mix with your own: `createAgent({ tools: [...toolkit.getTools(), myTool] })`. */
  override getTools(): PeerToolkitTools {
    return this.#tools;
  }

  /** Re-lists the peers and rebuilds the tools; returns the new tool list. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<PeerToolkitTools> {
    const signal = options.signal ?? this.#options.signal;
    const listed = await this.#client.listPeers({ q: this.#options.query, fresh: true, signal });
    const plan = planPeerToolkit(listed, this.#options);
    // With the follow-up tools, the peer tools hold the unfinished tasks they are answered with.
    const ledger = plan.work?.ledger ?? this.#options.ledger;
    const peerOptions = ledger ? { ...this.#options, ledger } : this.#options;
    const tools: StructuredToolInterface[] = toolsFor(this.#client, plan.peerTools, peerOptions);
    if (plan.listPeers) tools.push(createListPeersTool(this.#client, plan.listPeers));
    if (plan.delegate) tools.push(createDelegateTool(this.#client, plan.delegate));
    if (plan.work) {
      const client = this.#client as unknown as Parameters<typeof createWorkTools>[0];
      tools.push(...createWorkTools(client, plan.work));
    }
    this.#tools = asToolList(tools);
    this.peers = plan.peers;
    return this.#tools;
  }

  /**
   * The peer tool for a peer, by id or by name (any case; an id wins), if the peer is in the
   * toolkit: `kit.getPeerTool("billing")`.
   */
  getPeerTool(peer: string): PeerTool | undefined {
    let index = this.peers.findIndex((p) => p.id === peer);
    if (index === -1)
      index = this.peers.findIndex((p) => p.name.toLowerCase() === peer.toLowerCase());
    return index === -1 ? undefined : (this.#tools[index] as PeerTool);
  }
}
