// The peer data one client caches: discovered URLs and protocols for `ttlMs`, peer lists for at
// most 30 s. Every map is bounded: peer ids and list queries may come from a model's tool call.
import { peerProtocolFromCard, type A2AProtocolVersion } from "../a2a/index.js";
import { UUID_RE } from "./ids.js";
import type { DiscoveredPeer, Peer } from "./peer-types.js";

interface CacheEntry<T> {
  value: T;
  expires: number;
}

/**
 * Cached peer lists, discovered peer URLs and the A2A protocol each peer speaks. Each map is
 * created on its first entry: most agents of a fleet never call a peer.
 */
export class PeerCache {
  /** How long discovered peer URLs and protocols stay cached, in ms. */
  readonly ttlMs: number;
  #discovered: Map<string, CacheEntry<DiscoveredPeer>> | undefined;
  #lists: Map<string, CacheEntry<Peer[]>> | undefined;
  /** The A2A protocol each peer answered in (or its card advertised). */
  #protocols: Map<string, CacheEntry<A2AProtocolVersion>> | undefined;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** A copy of the cached list for query `key`, unless it expired. */
  list(key: string, now: number): Peer[] | undefined {
    const hit = this.#lists?.get(key);
    return hit && hit.expires > now ? hit.value.map((p) => ({ ...p })) : undefined;
  }

  setList(key: string, peers: Peer[], now: number): void {
    // Bounded: the query may come from a model (a list_peers tool), so keys are not under our control.
    this.#lists ??= new Map();
    if (this.#lists.size >= 64) this.#lists.clear();
    this.#lists.set(key, { value: peers, expires: now + Math.min(30_000, this.ttlMs) });
  }

  /** A copy of a peer's cached discovery, unless it expired or `fresh` (then it is dropped). */
  discovered(peerId: string, now: number, fresh = false): DiscoveredPeer | undefined {
    const hit = this.#discovered?.get(peerId);
    if (!fresh && hit && hit.expires > now) return { ...hit.value };
    if (hit) this.#discovered?.delete(peerId);
    return undefined;
  }

  setDiscovered(peerId: string, value: DiscoveredPeer, now: number): void {
    (this.#discovered ??= new Map()).set(peerId, { value, expires: now + this.ttlMs });
  }

  /** The protocol last seen working for a peer, or read from its cached `listPeers` card. */
  knownProtocol(peerId: string): A2AProtocolVersion | undefined {
    const now = performance.now();
    const hit = this.#protocols?.get(peerId);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.#protocols?.delete(peerId);
    for (const entry of this.#lists?.values() ?? []) {
      if (entry.expires <= now) continue;
      const peer = entry.value.find((p) => p.id === peerId);
      if (peer) return peerProtocolFromCard(peer.agentCard);
    }
    return undefined;
  }

  rememberProtocol(peerId: string, value: A2AProtocolVersion): void {
    this.#protocols ??= new Map();
    if (this.#protocols.size >= 1_000) this.#protocols.clear();
    this.#protocols.set(peerId, { value, expires: performance.now() + this.ttlMs });
  }

  /** Forgets one peer's URL and protocol (and every list), or (without id) everything. */
  invalidate(id?: string): void {
    if (id === undefined) {
      this.#discovered = this.#lists = this.#protocols = undefined;
      return;
    }
    const key = UUID_RE.test(id) ? id.toLowerCase() : id;
    this.#discovered?.delete(key);
    this.#protocols?.delete(key);
    this.#lists = undefined;
  }
}
