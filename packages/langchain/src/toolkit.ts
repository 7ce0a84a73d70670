import { makeIdempotencyKey, sanitizePeerText } from "@molecule-ai/agent-core";
import type { ToolMessage } from "@langchain/core/messages";
import { BaseToolkit, tool } from "@langchain/core/tools";
import type {
  DynamicStructuredTool,
  StructuredToolInterface,
  ToolRunnableConfig,
} from "@langchain/core/tools";
import { z } from "zod/v4";
import { describeError, handleToolFailure } from "./errors.js";
import { MOLECULE_TOOL_METADATA } from "./marker.js";
import { promptSafe, uniquePeerToolNames } from "./naming.js";
import { createPeerTool } from "./peer-tool.js";
import { clientOf } from "./source.js";
import type { PeerTool, PeerToolOptions } from "./peer-tool.js";
import type { PlatformClient } from "@molecule-ai/agent-core";
import type {
  AgentSource,
  DelegateClient,
  DelegationResult,
  ListPeersClient,
  OnPeerError,
  Peer,
  PeerToolErrorArtifact,
  PeerToolkitClient,
} from "./types.js";

/** Selects peers by id or name (exact, case-insensitive for names), or with a predicate. */
export type PeerFilter = readonly string[] | ((peer: Peer) => boolean);

/** Options of {@link loadPeerTools}. */
export interface LoadPeerToolsOptions extends Omit<PeerToolOptions, "name" | "description"> {
  /** Keep only these peers (ids or names, or a predicate). */
  include?: PeerFilter;
  /** Drop these peers (ids or names, or a predicate); applied after `include`. */
  exclude?: PeerFilter;
  /**
   * Keep only peers whose agent card advertises one of these skills (matched case-insensitively
   * against each skill's id, name and tags).
   */
  skills?: readonly string[];
  /** Tool name overrides by peer id (or a function of the peer); others get `call_<slug>`. */
  names?: Readonly<Record<string, string>> | ((peer: Peer) => string | undefined);
  /** Search text passed to `client.listPeers({ q })`. */
  query?: string;
  /** Bypass the client's peer cache. */
  fresh?: boolean;
  /** Cancels the peer listing. */
  signal?: AbortSignal;
  /** Tool names the peer tools must not take (e.g. your own tools); clashing peers get a suffix. */
  reservedNames?: Iterable<string>;
}

function matches(filter: PeerFilter, peer: Peer): boolean {
  if (typeof filter === "function") return filter(peer);
  const name = peer.name.toLowerCase();
  return filter.some((f) => f === peer.id || f.toLowerCase() === name);
}

function hasSkill(peer: Peer, wanted: readonly string[]): boolean {
  const want = new Set(wanted.map((s) => s.toLowerCase()));
  const skills = Array.isArray(peer.agentCard?.skills) ? peer.agentCard.skills : [];
  return skills.some((skill) =>
    [skill?.id, skill?.name, ...(Array.isArray(skill?.tags) ? skill.tags : [])].some(
      (value) => typeof value === "string" && want.has(value.toLowerCase()),
    ),
  );
}

/** Applies `include` / `exclude` / `skills` and drops duplicate ids (first wins). */
export function filterPeers(
  peers: readonly Peer[],
  options: Pick<LoadPeerToolsOptions, "include" | "exclude" | "skills">,
): Peer[] {
  const seen = new Set<string>();
  return peers.filter((peer) => {
    if (seen.has(peer.id)) return false;
    seen.add(peer.id);
    if (options.include && !matches(options.include, peer)) return false;
    if (options.exclude && matches(options.exclude, peer)) return false;
    if (options.skills && options.skills.length > 0 && !hasSkill(peer, options.skills)) {
      return false;
    }
    return true;
  });
}

function toolsForPeers(
  client: Pick<PlatformClient, "callPeer">,
  peers: readonly Peer[],
  options: LoadPeerToolsOptions,
): PeerTool[] {
  const { names, reservedNames, include: _i, exclude: _e, skills: _s, ...toolOptions } = options;
  const overrides = new Map<string, string>();
  for (const peer of peers) {
    const name = typeof names === "function" ? names(peer) : names?.[peer.id];
    if (name !== undefined) overrides.set(peer.id, name);
  }
  const reserved = new Set([...(reservedNames ?? []), ...overrides.values()]);
  const generated = uniquePeerToolNames(
    peers.filter((p) => !overrides.has(p.id)),
    reserved,
  );
  const picked = new Set<string>();
  return peers.map((peer) => {
    const name = overrides.get(peer.id) ?? (generated.get(peer.id) as string);
    if (picked.has(name)) {
      throw new TypeError(
        `loadPeerTools: two peers would both get the tool name "${name}"; give them distinct \`names\`.`,
      );
    }
    picked.add(name);
    const { query: _q, fresh: _f, signal: _sig, ...rest } = toolOptions;
    return createPeerTool(client, peer, { ...rest, name });
  });
}

/**
 * Lists this workspace's peers and turns each into a tool (like `loadMcpTools` for MCP servers).
 * Names are `call_<slug>`; peers whose names collide get an id suffix, deterministically.
 *
 * @param source - A running `RemoteAgent` (calls await a polling peer's answer) or a `PlatformClient` (needs `listPeers` and `callPeer`).
 * @param options - Peer filters, name overrides and the options of every peer tool.
 */
export async function loadPeerTools(
  source: Pick<PlatformClient, "listPeers" | "callPeer"> | AgentSource,
  options: LoadPeerToolsOptions = {},
): Promise<PeerTool[]> {
  const client = clientOf<"listPeers" | "callPeer">(source);
  const peers = await client.listPeers({
    ...(options.query === undefined ? {} : { q: options.query }),
    ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return toolsForPeers(client, filterPeers(peers, options), options);
}

// ---------------------------------------------------------------------------------------------
// list_peers

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
export interface ListPeersToolOptions {
  /** Tool name; default `list_peers`. */
  name?: string;
  /** Tool description. */
  description?: string;
  /** Only these peers are shown (same filters as {@link loadPeerTools}). */
  include?: PeerFilter;
  /** These peers are hidden. */
  exclude?: PeerFilter;
  /** See {@link PeerToolOptions.onError}. */
  onError?: OnPeerError;
}

function describePeer(peer: Peer): string {
  const fields = [`id: ${peer.id}`, `name: ${promptSafe(peer.name, 100)}`];
  const role = promptSafe(peer.role ?? "", 100);
  if (role) fields.push(`role: ${role}`);
  fields.push(`status: ${promptSafe(peer.status, 40)}`);
  const skills = (Array.isArray(peer.agentCard?.skills) ? peer.agentCard.skills : [])
    .map((s) => promptSafe(s?.name ?? s?.id ?? "", 60))
    .filter(Boolean);
  if (skills.length > 0) fields.push(`skills: ${skills.join(", ")}`);
  return `- ${fields.join("; ")}`;
}

/**
 * A tool that lists the peers this workspace may talk to (ids, names, roles, status, skills), so
 * the model can pick one for `delegate_to_peer`. The artifact holds the `Peer` objects.
 */
export function createListPeersTool(
  source: ListPeersClient | AgentSource,
  options: ListPeersToolOptions = {},
): ListPeersTool {
  const client = clientOf<"listPeers">(source);
  const name = options.name ?? "list_peers";
  const onError = options.onError ?? "return";
  const self = { id: "", name: "platform" };
  return tool(
    async (input: { query?: string | undefined }, config: ToolRunnableConfig) => {
      try {
        const peers = filterPeers(
          await client.listPeers({
            ...(input.query ? { q: input.query } : {}),
            ...(config?.signal ? { signal: config.signal } : {}),
          }),
          options,
        );
        const content =
          peers.length === 0
            ? "No peers are available."
            : `Peers you can message:\n${peers.map(describePeer).join("\n")}`;
        return [content, peers] as [string, Peer[]];
      } catch (error) {
        const artifact: PeerToolErrorArtifact = { peer: self, error: describeError(error) };
        return handleToolFailure(error, { onError, config, toolName: name, peer: self, artifact });
      }
    },
    {
      name,
      description:
        options.description ??
        "List the peer agents this agent can message or delegate to: id, name, role, status, skills.",
      schema: listPeersSchema,
      responseFormat: "content_and_artifact",
      metadata: { [MOLECULE_TOOL_METADATA]: { kind: "list_peers" } },
    },
  ) as ListPeersTool;
}

// ---------------------------------------------------------------------------------------------
// delegate_to_peer

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
  const client = clientOf<"delegate">(source);
  const name = options.name ?? "delegate_to_peer";
  const onError = options.onError ?? "return";
  const allowed = options.allowedPeerIds ? new Set(options.allowedPeerIds) : undefined;
  return tool(
    async (input: { peerId: string; task: string }, config: ToolRunnableConfig) => {
      const peer = { id: input.peerId, name: input.peerId };
      if (allowed && !allowed.has(input.peerId)) {
        const message = `peer "${input.peerId}" is not one you may delegate to; call list_peers for valid ids`;
        const artifact: PeerToolErrorArtifact = {
          peer,
          error: { name: "TypeError", message, code: "peer_not_allowed" },
        };
        return handleToolFailure(new TypeError(message), {
          onError,
          config,
          toolName: name,
          peer,
          artifact,
          peerSide: true,
        });
      }
      const toolCallId = config?.toolCall?.id;
      const key =
        options.idempotencyKey?.({
          peerId: input.peerId,
          task: input.task,
          ...(toolCallId ? { toolCallId } : {}),
        }) ?? makeIdempotencyKey(`${input.peerId}:${input.task}`);
      try {
        const result = await client.delegate(input.peerId, input.task, {
          idempotencyKey: key,
          ...(config?.signal ? { signal: config.signal } : {}),
        });
        const content =
          `Delegated to peer ${input.peerId} (delegation ${sanitizePeerText(result.delegationId)}, ` +
          `status ${sanitizePeerText(result.status)}${result.idempotentHit ? ", already delegated earlier" : ""}). ` +
          "The result will arrive later as a message from that peer.";
        return [content, result] as [string, DelegationResult];
      } catch (error) {
        const artifact: PeerToolErrorArtifact = { peer, error: describeError(error) };
        const badRequest =
          typeof error === "object" &&
          error !== null &&
          (error as { status?: unknown }).status === 400;
        return handleToolFailure(error, {
          onError,
          config,
          toolName: name,
          peer,
          artifact,
          ...(badRequest ? { peerSide: true } : {}),
        });
      }
    },
    {
      name,
      description:
        options.description ??
        "Delegate a task to a peer agent asynchronously. Returns at once with a delegation id; the " +
          "peer's result arrives later as a new message. Use for long tasks you need not wait for.",
      schema: delegateSchema,
      responseFormat: "content_and_artifact",
      metadata: { [MOLECULE_TOOL_METADATA]: { kind: "delegate" } },
    },
  ) as DelegateTool;
}

// ---------------------------------------------------------------------------------------------
// PeerToolkit

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
  readonly #client: Pick<PlatformClient, "callPeer" | "listPeers" | "delegate">;
  readonly #options: PeerToolkitOptions;

  /** Prefer {@link PeerToolkit.fromClient}, which also loads the peers. */
  constructor(client: PeerToolkitClient | AgentSource, options: PeerToolkitOptions = {}) {
    super();
    this.#client = clientOf<"callPeer" | "listPeers" | "delegate">(client);
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

  /** Re-lists the peers and rebuilds the tools; returns the new tool list. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<StructuredToolInterface[]> {
    const { listPeers = true, delegate = true, ...load } = this.#options;
    const extra: StructuredToolInterface[] = [];
    const reserved = new Set(load.reservedNames ?? []);
    const listOptions = typeof listPeers === "object" ? listPeers : {};
    const delegateOptions = typeof delegate === "object" ? delegate : {};
    const peers = filterPeers(
      await this.#client.listPeers({
        ...(load.query === undefined ? {} : { q: load.query }),
        fresh: true,
        ...((options.signal ?? load.signal) ? { signal: options.signal ?? load.signal } : {}),
      }),
      load,
    );
    if (listPeers !== false) {
      const tool = createListPeersTool(this.#client, {
        ...(load.onError === undefined ? {} : { onError: load.onError }),
        ...(load.include === undefined ? {} : { include: load.include }),
        ...(load.exclude === undefined ? {} : { exclude: load.exclude }),
        ...listOptions,
      });
      reserved.add(tool.name);
      extra.push(tool);
    }
    if (delegate !== false) {
      const tool = createDelegateTool(this.#client, {
        ...(load.onError === undefined ? {} : { onError: load.onError }),
        allowedPeerIds: peers.map((p) => p.id),
        ...delegateOptions,
      });
      reserved.add(tool.name);
      extra.push(tool);
    }
    const peerTools = toolsForPeers(this.#client, peers, { ...load, reservedNames: reserved });
    this.peers = peers;
    this.tools = [...peerTools, ...extra];
    return this.tools;
  }

  /** The peer tool for a peer id, if the peer is in the toolkit. */
  getPeerTool(peerId: string): PeerTool | undefined {
    const index = this.peers.findIndex((p) => p.id === peerId);
    return index === -1 ? undefined : (this.tools[index] as PeerTool);
  }
}
