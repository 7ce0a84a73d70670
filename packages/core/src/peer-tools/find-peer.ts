// A peer named the way a person names it: its workspace id, or its name (any case) among this
// workspace's peers. One rule for every place that takes either (the CLI's `send`, the MCP
// `call_peer` tool): a name no peer has, or several peers have, is refused with the names or ids
// to pick from.
import { sanitizePeerText } from "../a2a/index.js";
import { MoleculeError } from "../transport/index.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What {@link findPeer} reads of a client: its workspace id and its peers. */
export interface PeerListClient {
  readonly workspaceId: string;
  listPeers(options?: { signal?: AbortSignal }): Promise<readonly { id: string; name: string }[]>;
}

/** A peer {@link findPeer} found: its workspace id, and its name when it was given by name. */
export interface FoundPeer {
  id: string;
  name?: string | undefined;
}

/**
 * The peer `target` names: a workspace id as given (lower-cased; not looked up), else the one peer
 * of `client`'s workspace with that name, any case. Throws `MoleculeError` `peer_not_found` (no
 * peer has the name: its peers' names listed) or `peer_ambiguous` (several do: their ids listed).
 */
export async function findPeer(
  client: PeerListClient,
  target: string,
  options: { signal?: AbortSignal } = {},
): Promise<FoundPeer> {
  const wanted = target.trim();
  if (UUID.test(wanted)) return { id: wanted.toLowerCase() };
  const peers = await client.listPeers(options.signal ? { signal: options.signal } : {});
  const named = peers.filter((p) => p.name.toLowerCase() === wanted.toLowerCase());
  if (named.length === 1) return { id: named[0]!.id, name: named[0]!.name };
  const shown = JSON.stringify(sanitizePeerText(wanted).slice(0, 60));
  if (named.length === 0) {
    const names = peers.map((p) => JSON.stringify(sanitizePeerText(p.name).slice(0, 60)));
    throw new MoleculeError(
      `no peer of workspace ${client.workspaceId} is named ${shown} (its peers: ${names.join(", ") || "none"}): pass a peer's name or a workspace id`,
      { code: "peer_not_found", retryable: false },
    );
  }
  throw new MoleculeError(
    `${named.length} peers of workspace ${client.workspaceId} are named ${shown} (${named.map((p) => p.id).join(", ")}): pass the workspace id`,
    { code: "peer_ambiguous", retryable: false },
  );
}
