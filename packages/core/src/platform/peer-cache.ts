// The peer data one client caches: discovered URLs, protocols and names for `ttlMs`, peer lists for
// at most 30 s. Every map is bounded: peer ids and list queries may come from a model's tool call.
import { peerProtocolFromCard, type A2AProtocolVersion } from "../a2a/index.js";
import { UUID_RE } from "./ids.js";
import type { DiscoveredPeer, Peer } from "./peer-types.js";

interface CacheEntry<T> {
  value: T;
  expires: number;
}

/** A peer's name and role as the platform's registry lists them. */
export interface PeerIdentity {
  name: string;
  role: string | null;
}

/** Peers whose registry name and role are kept (from lists and discoveries). */
const MAX_IDENTITIES = 1_000;
/** The least time between two lookups of senders the cache does not know. */
const LOOKUP_INTERVAL_MS = 30_000;

/**
 * Cached peer lists, discovered peer URLs, the A2A protocol each peer speaks, and each peer's
 * registry name and role. Each map is created on its first entry: most agents of a fleet never
 * call a peer.
 */
export class PeerCache {
  /** How long discovered peer URLs, protocols and names stay cached, in ms. */
  readonly ttlMs: number;
  #discovered: Map<string, CacheEntry<DiscoveredPeer>> | undefined;
  #lists: Map<string, CacheEntry<Peer[]>> | undefined;
  /** The A2A protocol each peer answered in (or its card advertised). */
  #protocols: Map<string, CacheEntry<A2AProtocolVersion>> | undefined;
  /** Each peer's registry name and role (inbound messages are named with them), until `expires`. */
  #identities: Map<string, PeerIdentity & { expires: number }> | undefined;
  /** When the last lookup of unknown senders started (`performance.now()`), and whether it runs. */
  #lookedUpAt = Number.NEGATIVE_INFINITY;
  #lookingUp = false;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** A copy of the cached list for query `key`, unless it expired (then it is dropped). */
  list(key: string, now: number): Peer[] | undefined {
    const hit = this.#lists?.get(key);
    if (hit && hit.expires <= now) this.#lists?.delete(key);
    return hit && hit.expires > now ? hit.value.map((p) => ({ ...p })) : undefined;
  }

  setList(key: string, peers: Peer[], now: number): void {
    // Bounded: the query may come from a model (a list_peers tool), so keys are not under our control.
    this.#lists ??= new Map();
    if (this.#lists.size >= 64) this.#lists.clear();
    for (const [k, entry] of this.#lists) if (entry.expires <= now) this.#lists.delete(k);
    this.#lists.set(key, { value: peers, expires: now + Math.min(30_000, this.ttlMs) });
    this.setIdentities(peers, now);
  }

  /**
   * Keeps the registry name and role of each of `peers` (not the list: naming inbound senders
   * needs only these, and a fleet agent's peers can be its thousand siblings, cards and all).
   */
  setIdentities(peers: readonly Peer[], now: number): void {
    for (const p of peers) this.#setIdentity(p.id, p.name, p.role, now);
  }

  /** Keeps a peer's name and role as the platform named them in its row (`?include=peer_info`). */
  learnIdentity(peerId: string, name: string, role: string | null, now: number): void {
    this.#setIdentity(peerId, name, role, now);
  }

  /** A peer's registry name and role, unless unknown or expired. */
  identity(peerId: string, now: number): PeerIdentity | undefined {
    const hit = this.#identities?.get(peerId);
    return hit && hit.expires > now ? hit : undefined;
  }

  #setIdentity(peerId: string, name: string, role: string | null, now: number): void {
    this.#identities ??= new Map();
    if (this.#identities.size >= MAX_IDENTITIES && !this.#identities.has(peerId))
      this.#identities.clear();
    this.#identities.set(peerId, { name, role, expires: now + this.ttlMs });
  }

  /**
   * Whether a lookup of senders the cache does not know may start now (then it is marked started):
   * one at a time, at most one per 30 s, whatever the number of messages or senders.
   */
  startLookup(now: number): boolean {
    if (this.#lookingUp || now - this.#lookedUpAt < LOOKUP_INTERVAL_MS) return false;
    this.#lookingUp = true;
    this.#lookedUpAt = now;
    return true;
  }

  /** The lookup {@link startLookup} allowed has ended. */
  endLookup(): void {
    this.#lookingUp = false;
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
    // Discovery names a peer but not its role: it names one the lists have not.
    if (!this.identity(peerId, now)) this.#setIdentity(peerId, value.name, null, now);
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
      this.#discovered = this.#lists = this.#protocols = this.#identities = undefined;
      return;
    }
    const key = UUID_RE.test(id) ? id.toLowerCase() : id;
    this.#discovered?.delete(key);
    this.#protocols?.delete(key);
    this.#identities?.delete(key);
    this.#lists = undefined;
  }
}
