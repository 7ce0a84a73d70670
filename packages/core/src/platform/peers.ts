// Peer discovery: the peers this workspace may talk to, and one peer's A2A URL (both cached); and
// the registry names of the peers inbound rows come from.
import type { AgentCard } from "../a2a/index.js";
import { discoverSchema, peersSchema, type WireActivityRow, type WirePeer } from "../wire/index.js";
import { describe, MoleculePeerError } from "../transport/index.js";
import { platformContract } from "./capabilities.js";
import { errorText, ok } from "./http-errors.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { filterPeers } from "./peer-filter.js";
import type { DiscoveredPeer, Peer } from "./peer-types.js";
import { enc, type PlatformSession } from "./session.js";

type Opts = { signal?: AbortSignal | undefined; fresh?: boolean | undefined };

/**
 * `GET /registry/:id/peers[?q=]`, cached for 30 s per query; see `PlatformClient.listPeers`.
 * `namesOnly`: fresh, and only each peer's name and role are kept (nameSenders' lookup).
 */
export async function listPeers(
  s: PlatformSession,
  options: Opts & { q?: string; namesOnly?: boolean },
): Promise<Peer[]> {
  const key = options.q ?? "";
  const now = performance.now();
  if (!options.fresh && !options.namesOnly) {
    const hit = s.peers.list(key, now);
    if (hit) return hit;
  }
  const q = options.q || undefined;
  // The baseline's `q` filter answers 500 when a peer has no role: filter locally there.
  const caps = q ? await platformContract(s, options.signal).catch(() => undefined) : undefined;
  let peers: Peer[];
  if (q && caps?.compat === "2026-04") peers = await filterLocally(s, q, options);
  else {
    const res = await s.send({
      method: "GET",
      path: `/registry/${enc(s.workspaceId)}/peers`,
      query: { q },
      headers: s.selfHeaders,
      signal: options.signal,
    });
    if (q && res.status === 500) peers = await filterLocally(s, q, options);
    else if (!ok(res.status)) throw await s.selfFail(res, "listPeers", options.signal);
    else peers = s.expect(peersSchema, res, "listPeers").map(toPeer);
  }
  if (options.namesOnly) {
    s.peers.setIdentities(peers, now);
    return peers;
  }
  s.peers.setList(key, peers, now);
  return peers.map((p) => ({ ...p }));
}

async function filterLocally(s: PlatformSession, q: string, options: Opts): Promise<Peer[]> {
  const all = await listPeers(s, { signal: options.signal, fresh: options.fresh });
  return filterPeers(all, q);
}

/** `GET /registry/discover/:id`, cached for `peerCacheTtlMs`. */
export async function discoverPeer(
  s: PlatformSession,
  id: string,
  options: Opts,
): Promise<DiscoveredPeer> {
  const peerId = requireId(id, "peer id");
  const now = performance.now();
  const hit = s.peers.discovered(peerId, now, options.fresh === true);
  if (hit) return hit;
  const res = await s.send({
    method: "GET",
    path: `/registry/discover/${enc(peerId)}`,
    headers: s.selfHeaders,
    signal: options.signal,
  });
  if (!ok(res.status)) {
    throw s.fail(res, "discoverPeer", {
      403: `workspace ${s.workspaceId} may not talk to ${peerId} (403): the platform's hierarchy rules only allow siblings, parent/children and root workspaces`,
      404: `peer workspace ${peerId} does not exist`,
      503: `peer workspace ${peerId} is not available right now (503 "${errorText(res.body, s.known) ?? ""}"); it may be offline or paused`,
    });
  }
  const d = s.expect(discoverSchema, res, "discoverPeer");
  const value: DiscoveredPeer = {
    id: d.id,
    url: d.url,
    name: d.name ?? d.id,
    internal: isInternalUrl(d.url) || d["delivery_mode"] === "poll",
  };
  s.peers.setDiscovered(peerId, value, now);
  return { ...value };
}

/**
 * Whether a discovered URL is no address a remote caller can reach: empty, or the platform's own
 * `http://ws-<id>:8000` (`provisioner.InternalURL`, the container name on the platform's network),
 * which an August-2026 platform answers for a peer that polls (`discovery.go`
 * `discoverWorkspacePeer` at enteros-core aeec8e47; older platforms a 12-character id).
 */
function isInternalUrl(url: string): boolean {
  return url === "" || /^http:\/\/ws-[0-9a-f][0-9a-f-]{7,35}:8000\/?$/i.test(url);
}

/**
 * The URL to call a peer at directly (`via: "direct"`): its discovered URL, or a
 * {@link MoleculePeerError} `peer_polls` when the platform gave no address a caller outside it can
 * reach (a peer that polls), before any connection attempt.
 */
export async function directPeerUrl(
  s: PlatformSession,
  peerId: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  const d = await discoverPeer(s, peerId, { signal });
  if (!d.internal) return d.url;
  throw new MoleculePeerError(
    `peer ${peerId} polls the platform for its messages: it has no address of its own, and the one discovery gave (${d.url === "" ? "an empty URL" : d.url}) is the platform's internal name for it, which no caller outside the platform reaches; call it through the platform (via: "proxy", the default), which queues the message for it to take`,
    { peerId, code: "peer_polls", retryable: false },
  );
}

function numOrNull(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function toPeer(row: WirePeer): Peer {
  const card = row.agent_card;
  return {
    id: row.id,
    name: row.name ?? row.id,
    role: row.role ?? null,
    tier: numOrNull(row.tier),
    status: row.status ?? "unknown",
    url: row.url ? row.url : null,
    parentId: row.parent_id ?? null,
    activeTasks: numOrNull(row.active_tasks) ?? 0,
    agentCard:
      typeof card === "object" && card !== null && !Array.isArray(card)
        ? (card as AgentCard)
        : null,
  };
}

/** Whether a row already names its sender (the server's flat fields or a `data` block). */
function named(row: WireActivityRow): boolean {
  const data = row.data as { peer_name?: unknown } | null | undefined;
  return (
    (typeof row["peer_name"] === "string" && row["peer_name"] !== "") ||
    (typeof data?.peer_name === "string" && data.peer_name !== "")
  );
}

/** Names `row`'s sender `id` from the peer cache: whether the cache knew it. */
function nameFromCache(s: PlatformSession, row: WireActivityRow, id: string, now: number): boolean {
  const known = s.peers.identity(id, now);
  if (!known) return false;
  row["peer_name"] = known.name;
  if (known.role) row["peer_role"] = known.role;
  return true;
}

/** The peer whose name `row` would carry: a peer's `a2a_receive` (not the canvas, not itself). */
function senderOf(s: PlatformSession, row: WireActivityRow): string | undefined {
  const id = row.source_id;
  return id && id !== s.workspaceId && row.activity_type === "a2a_receive" ? id : undefined;
}

/**
 * Names the sender of a row the event stream announced (a peer's `a2a_receive`) from the peer
 * cache only, starting no lookup: whether it is named now, or needs no name (the canvas, itself).
 */
export function nameAnnouncedSender(s: PlatformSession, row: WireActivityRow): boolean {
  const id = senderOf(s, row);
  return id === undefined || named(row) || nameFromCache(s, row, id, performance.now());
}

/**
 * Names the senders of inbound rows: a peer's `a2a_receive` row without `peer_name` gets the
 * registry's `peer_name` and `peer_role` (flat, as a newer server's `?include=peer_info` sends
 * them) for the `source_id` the platform authenticated, from this client's peer cache: no request
 * per message (molecule-core #2905 names them the same way, on the client). A sender the cache does
 * not know starts one `listPeers` in the background (at most one per 30 s; it keeps each peer's
 * name and role for the next rows, not the list) and is left unnamed: naming never delays nor fails a delivery.
 * A row the platform named teaches the cache its sender's name and role.
 */
export function nameSenders(s: PlatformSession, rows: WireActivityRow[]): void {
  const now = performance.now();
  let unknown = false;
  for (const row of rows) {
    const id = senderOf(s, row);
    if (id === undefined) continue;
    if (named(row)) {
      // The platform's own name (`?include=peer_info`): kept, so an event's row is named too.
      const name = row["peer_name"];
      const role = row["peer_role"];
      if (typeof name === "string" && name !== "")
        s.peers.learnIdentity(id, name, typeof role === "string" ? role : null, now);
      continue;
    }
    if (!nameFromCache(s, row, id, now)) unknown = true;
  }
  if (!unknown || !s.peers.startLookup(now)) return;
  void listPeers(s, { namesOnly: true })
    .catch((err: unknown) =>
      s.logger?.debug?.("could not list peers to name a message's sender", {
        error: describe(err),
      }),
    )
    .finally(() => s.peers.endLookup());
}
