import type { DelegationResult } from "@molecule-ai/agent-core";
import {
  DELEGATE_DESCRIPTION,
  DELEGATE_TOOL_NAME,
  delegationText,
  LIST_PEERS_DESCRIPTION,
  LIST_PEERS_TOOL_NAME,
  planPeerToolkit,
  runDelegate,
  runListPeers,
  toolClientOf,
} from "@molecule-ai/agent-core/peer-tools";
import {
  delegateInputSchema,
  listPeersInputSchema,
} from "@molecule-ai/agent-core/peer-tools/schemas";
import type {
  DelegateInput,
  DelegateToolOptions,
  ListPeersToolOptions,
  PeerMatcher,
  PeerSummary,
  PeerToolFailure,
  PeerToolPlanOptions,
  WorkToolsOptions,
} from "@molecule-ai/agent-core/peer-tools";
import { tool } from "ai";
import type { Tool, ToolExecutionOptions } from "ai";
import type { AgentSource, PeerToolsClient } from "./client.js";
import { peerTool, toolOutputOf } from "./peer-tool.js";
import type { PeerTool, PeerToolOptions } from "./peer-tool.js";
import { workTools } from "./work-tools.js";
import type { WorkTool } from "./work-tools.js";

export type { DelegateInput as DelegateTaskInput, PeerMatcher, PeerSummary };

/** The `list_peers` tool. */
export type ListPeersTool = {
  execute: (
    input: { query?: string },
    options: ToolExecutionOptions<Record<string, unknown>>,
  ) => Promise<PeerSummary[]>;
} & Tool<{ query?: string }, PeerSummary[]>;

/** The `delegate_to_peer` tool: the delegation, or a failure the model sees. */
export type DelegateTaskTool = {
  execute: (
    input: DelegateInput,
    options: ToolExecutionOptions<Record<string, unknown>>,
  ) => Promise<DelegationResult | PeerToolFailure>;
} & Tool<DelegateInput, DelegationResult | PeerToolFailure>;

/** The tool set {@link peerTools} returns: one {@link PeerTool} per peer plus the built-in tools. */
export type PeerToolSet = Record<string, PeerTool | ListPeersTool | DelegateTaskTool | WorkTool>;

/** Options for {@link peerTools}. */
export interface PeerToolsOptions
  extends Omit<PeerToolOptions, "description">, Omit<PeerToolPlanOptions, "reservedNames"> {
  /** Search query passed to `client.listPeers({ q })`. */
  q?: string;
  /** Add the `list_peers` tool, which lists the selected peers (default true). */
  listPeers?: boolean;
  /** Add the `delegate_to_peer` tool: asynchronous delegation to the selected peers (default true). */
  delegate?: boolean;
  /**
   * Add the follow-up tools of the work this agent started (`check_delegation`,
   * `wait_for_delegation`, `cancel_delegation`, `list_delegations`; default false, `true` or their
   * options). The client then needs `listDelegations` and `peerTasks` too.
   */
  delegations?: boolean | WorkToolsOptions;
  /** Cancels peer discovery. */
  signal?: AbortSignal;
}

/** Name of the built-in tool that lists the reachable peers (the same in every adapter). */
export const LIST_PEERS_TOOL = LIST_PEERS_TOOL_NAME;
/** Name of the built-in tool that delegates a task asynchronously (the same in every adapter). */
export const DELEGATE_TO_PEER_TOOL = DELEGATE_TOOL_NAME;
/**
 * The old name of {@link DELEGATE_TO_PEER_TOOL}, kept as an alias.
 *
 * @deprecated Use {@link DELEGATE_TO_PEER_TOOL}. The delegation tool was `delegate_task` here
 * and `delegate_to_peer` in the other adapters; it is `delegate_to_peer` everywhere now.
 */
export const DELEGATE_TASK_TOOL = DELEGATE_TO_PEER_TOOL;

/**
 * Discovers this workspace's peers and returns them as an AI SDK `ToolSet`, the way `@ai-sdk/mcp`'s
 * `client.tools()` exposes an MCP server's tools: one {@link peerTool} per peer, named
 * `call_<slug of its name>` (colliding names get `_<first 8 characters of the id>`), plus
 * `list_peers` and `delegate_to_peer` (hands a task over without waiting; the answer arrives later
 * as an inbound message). Planned by core's `planPeerToolkit`, as LangChain's `PeerToolkit` is:
 * the built-ins list and delegate to the selected peers only, and a `names` override may not take
 * an enabled built-in's name.
 *
 * Spread it into `tools` next to your own tools: `tools: { ...await peerTools(client), weather }`.
 */
export async function peerTools(
  source: PeerToolsClient | AgentSource,
  options: PeerToolsOptions = {},
): Promise<PeerToolSet> {
  const { listPeers = true, delegate = true, q, signal } = options;
  const needed = ["listPeers", "callPeer", ...(delegate ? ["delegate"] : [])];
  if (options.delegations) needed.push("listDelegations", "peerTasks");
  const client = toolClientOf<PeerToolsClient>(source, needed, "peerTools");
  const peers = await client.listPeers({
    ...(q === undefined ? {} : { q }),
    ...(signal ? { signal } : {}),
  });
  const plan = planPeerToolkit(peers, {
    ...options,
    listPeers: listPeers && { name: LIST_PEERS_TOOL },
    delegate: delegate && { name: DELEGATE_TO_PEER_TOOL },
  });
  const { timeoutMs, via, providerOptions } = options;
  const ledger = plan.work?.ledger ?? options.ledger;
  const tools: PeerToolSet = {};
  for (const { peer, name, description } of plan.peerTools) {
    tools[name] = peerTool(client, peer, {
      timeoutMs,
      via,
      providerOptions,
      description,
      ...(ledger ? { ledger } : {}),
    });
  }
  const names = new Map(plan.peerTools.map((p) => [p.peer.id, p.name]));
  if (plan.listPeers) tools[LIST_PEERS_TOOL] = listPeersTool(client, plan.listPeers, q, names);
  if (plan.delegate) tools[DELEGATE_TO_PEER_TOOL] = delegateTaskTool(client, plan.delegate);
  if (plan.work) Object.assign(tools, workTools(client as never, plan.work));
  return tools;
}

/** The `list_peers` tool: the selected peers, fresh from the platform. */
function listPeersTool(
  client: PeerToolsClient,
  selection: ListPeersToolOptions,
  q: string | undefined,
  toolNames: ReadonlyMap<string, string>,
): ListPeersTool {
  return tool({
    description: LIST_PEERS_DESCRIPTION,
    inputSchema: listPeersInputSchema,
    metadata: { molecule: { builtin: LIST_PEERS_TOOL } },
    execute: async (input, { abortSignal }): Promise<PeerSummary[]> => {
      const query = input.query ?? q;
      const listing = await runListPeers(client, {
        query,
        signal: abortSignal,
        selection,
        toolNames,
      });
      return listing.summaries;
    },
  }) as ListPeersTool;
}

/** The `delegate_to_peer` tool: asynchronous delegation through the platform, to the planned peers. */
function delegateTaskTool(client: PeerToolsClient, plan: DelegateToolOptions): DelegateTaskTool {
  const allowed = plan.allowedPeerIds ? new Set(plan.allowedPeerIds) : undefined;
  return tool({
    description: DELEGATE_DESCRIPTION,
    inputSchema: delegateInputSchema,
    metadata: { molecule: { builtin: DELEGATE_TO_PEER_TOOL } },
    execute: async (input, { abortSignal }) => {
      const outcome = await runDelegate(client, input, { allowed, signal: abortSignal });
      return outcome.ok ? outcome.result : outcome.failure;
    },
    toModelOutput: (call) => {
      const output = toolOutputOf<DelegationResult | PeerToolFailure>(call);
      return { type: "error" in output ? "error-text" : "text", value: delegationText(output) };
    },
  }) as DelegateTaskTool;
}
