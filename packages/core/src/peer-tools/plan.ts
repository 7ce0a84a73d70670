// A whole tool set for a workspace's peers: which peers, under which names, described how, and a
// framework-neutral tool per peer (what the NestJS module hands out; other adapters wrap it).
import type { Peer, PlatformClient } from "../platform/index.js";
import { peerToolDescription } from "./describe.js";
import { PeerToolConfigError } from "./errors.js";
import { assertToolName, uniquePeerToolNames } from "./naming.js";
import { runPeerTool } from "./outcome.js";
import type { PeerToolCallSettings, PeerToolOutcome } from "./outcome.js";
import type { PeerToolInput } from "./tool-inputs.js";
import { untrustedLabel } from "./label.js";
import { matchedSkills, matchesPeer, selectPeers } from "./select.js";
import type { PeerSelection } from "./select.js";

/** Options of {@link planPeerTools}. */
export interface PeerToolPlanOptions extends PeerSelection<Peer> {
  /**
   * Tool-name overrides keyed by peer id or peer name (any case; an id key wins over a name key),
   * or a function of the peer; others get `call_<slug>`. A key that names no listed peer throws
   * {@link PeerToolConfigError} (`peer_filter_unmatched`).
   */
  names?: Readonly<Record<string, string>> | ((peer: Peer) => string | undefined) | undefined;
  /**
   * Names the peer tools must not take (built-in or your own tools): a clashing generated name gets
   * a suffix; a `names` override that takes one throws {@link PeerToolConfigError}.
   */
  reservedNames?: Iterable<string> | undefined;
}

/** One planned peer tool. */
export interface PlannedPeerTool {
  peer: Peer;
  name: string;
  description: string;
}

/**
 * Selects the peers (`include` / `exclude` / `skills`, repeated ids dropped) and gives each a
 * collision-free name and a description. Throws {@link PeerToolConfigError} when two peers would
 * get the same name from `names`, a `names` override takes a reserved name, or a name is invalid;
 * and (`peer_filter_unmatched`) when an `include` id or name, a `skills` entry or a `names` key
 * matches none of `peers`: a typo would otherwise leave the model without the tool, silently.
 */
export function planPeerTools(
  peers: readonly Peer[],
  options: PeerToolPlanOptions = {},
): PlannedPeerTool[] {
  checkUnmatched(peers, options);
  const selected = selectPeers(peers, options);
  const { names } = options;
  const overrides = new Map<string, string>();
  for (const peer of selected) {
    const name = typeof names === "function" ? names(peer) : names && nameOverride(names, peer);
    if (name !== undefined) overrides.set(peer.id, name);
  }
  const reserved = new Set(options.reservedNames ?? []);
  const generated = uniquePeerToolNames(
    selected.filter((p) => !overrides.has(p.id)),
    new Set([...reserved, ...overrides.values()]),
  );
  const picked = new Set<string>();
  return selected.map((peer) => {
    const name = overrides.get(peer.id) ?? (generated.get(peer.id) as string);
    assertToolName(name);
    if (picked.has(name)) {
      throw new PeerToolConfigError(
        `two peers would both get the tool name "${name}"; give them distinct \`names\`.`,
      );
    }
    if (reserved.has(name)) {
      throw new PeerToolConfigError(
        `the tool name "${name}" is taken by another tool (a built-in or one of yours); give the peer another name in \`names\`, or leave that tool out.`,
      );
    }
    picked.add(name);
    const skills = options.skills?.length ? matchedSkills(peer, options.skills) : [];
    const description = peerToolDescription(peer, skills.length ? { matchedSkills: skills } : {});
    return { peer, name, description };
  });
}

/** The `names` entry for `peer`: keyed by its id, else by its name (any case). */
function nameOverride(names: Readonly<Record<string, string>>, peer: Peer): string | undefined {
  if (Object.hasOwn(names, peer.id)) return names[peer.id];
  const wanted = peer.name.toLowerCase();
  const key = Object.keys(names).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : names[key];
}

/**
 * Throws `peer_filter_unmatched` naming each `include` string, `skills` entry and `names` key that
 * matches none of the listed peers (predicates cannot be named, so they are not checked; neither
 * is `exclude`: leaving out a peer that is not there is no mistake).
 */
function checkUnmatched(peers: readonly Peer[], options: PeerToolPlanOptions): void {
  const problems: string[] = [];
  const include = options.include;
  const named =
    include === undefined
      ? []
      : typeof include === "string"
        ? [include]
        : typeof include === "function"
          ? []
          : include;
  for (const m of named) {
    if (typeof m === "string" && !peers.some((p) => matchesPeer(p, m))) {
      problems.push(`include ${JSON.stringify(m)} matches no peer id or name`);
    }
  }
  for (const skill of options.skills ?? []) {
    if (!peers.some((p) => matchedSkills(p, [skill]).length > 0)) {
      problems.push(`skills ${JSON.stringify(skill)} is a skill no peer's card advertises`);
    }
  }
  const names = options.names;
  if (names !== undefined && typeof names !== "function") {
    for (const key of Object.keys(names)) {
      if (!peers.some((p) => p.id === key || p.name.toLowerCase() === key.toLowerCase())) {
        problems.push(`names key ${JSON.stringify(key)} matches no peer id or name`);
      }
    }
  }
  if (problems.length === 0) return;
  const listed = peers.slice(0, 10).map((p) => JSON.stringify(untrustedLabel(p.name, 60)));
  const more = peers.length > 10 ? `, and ${peers.length - 10} more` : "";
  const have =
    peers.length === 0
      ? "this workspace has no peers"
      : `its peers are ${listed.join(", ")}${more}`;
  throw new PeerToolConfigError(
    `${problems.join("; ")} (${have}): fix the filter (ids and names come from client.listPeers()), or leave it out`,
    "peer_filter_unmatched",
  );
}

/** A framework-neutral peer tool: hand `name`, `description` and the input schema to any model API. */
export interface PeerToolSpec {
  name: string;
  description: string;
  peer: { id: string; name: string };
  /** Calls the peer; resolves to the answer or a peer-side error result, rejects otherwise. */
  call(input: PeerToolInput, options?: { signal?: AbortSignal }): Promise<PeerToolOutcome>;
}

/** Options of {@link loadPeerToolSpecs}. */
export interface LoadPeerToolSpecsOptions extends PeerToolPlanOptions, PeerToolCallSettings {
  /** Search text for `client.listPeers({ q })`. */
  query?: string | undefined;
  /** Bypass the client's peer cache. */
  fresh?: boolean | undefined;
  /** Cancels the listing. */
  signal?: AbortSignal | undefined;
}

/** Lists the peers and returns one {@link PeerToolSpec} per selected peer. */
export async function loadPeerToolSpecs(
  client: Pick<PlatformClient, "listPeers" | "callPeer">,
  options: LoadPeerToolSpecsOptions = {},
): Promise<PeerToolSpec[]> {
  const peers = await client.listPeers({
    ...(options.query === undefined ? {} : { q: options.query }),
    ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const { timeoutMs, via, callOptions } = options;
  return planPeerTools(peers, options).map(({ peer, name, description }) => ({
    name,
    description,
    peer: { id: peer.id, name: peer.name },
    call: (input, { signal } = {}) =>
      runPeerTool(client, peer, input, { timeoutMs, via, callOptions, signal }),
  }));
}
