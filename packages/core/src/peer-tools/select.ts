// Which peers become tools: one matcher for `include` / `exclude` / `skills` in every adapter.
import type { DescribablePeer } from "./describe.js";

/** Matches a peer by workspace id, by name (case-insensitive), or by predicate. */
export type PeerMatcher<P = DescribablePeer> = string | ((peer: P) => boolean);

/** One matcher, a list of them (any may match), or a predicate. */
export type PeerSelector<P = DescribablePeer> = PeerMatcher<P> | readonly PeerMatcher<P>[];

/** The peer filters every adapter accepts. */
export interface PeerSelection<P = DescribablePeer> {
  /** Keep only matching peers. */
  include?: PeerSelector<P> | undefined;
  /** Drop matching peers (applied after `include`). */
  exclude?: PeerSelector<P> | undefined;
  /** Keep only peers whose card advertises one of these skills (id, name or tag, any case). */
  skills?: readonly string[] | undefined;
}

/** Whether `peer` matches the selector. */
export function matchesPeer<P extends DescribablePeer>(
  peer: P,
  selector: PeerSelector<P>,
): boolean {
  const list: readonly PeerMatcher<P>[] =
    typeof selector === "string" || typeof selector === "function" ? [selector] : selector;
  const name = (peer.name ?? "").toLowerCase();
  return list.some((m) =>
    typeof m === "function" ? m(peer) : m === peer.id || m.toLowerCase() === name,
  );
}

/** The wanted skills that the peer's agent card advertises (by skill id, name or tag). */
export function matchedSkills(peer: DescribablePeer, wanted: readonly string[]): string[] {
  const have = new Set<string>();
  const skills = Array.isArray(peer.agentCard?.skills) ? peer.agentCard.skills : [];
  for (const skill of skills) {
    for (const v of [skill?.id, skill?.name, ...(Array.isArray(skill?.tags) ? skill.tags : [])]) {
      if (typeof v === "string") have.add(v.toLowerCase());
    }
  }
  return wanted.filter((w) => have.has(w.toLowerCase()));
}

/** Applies `include`, `exclude` and `skills`, and drops repeated ids (the first one wins). */
export function selectPeers<P extends DescribablePeer>(
  peers: readonly P[],
  selection: PeerSelection<P> = {},
): P[] {
  const seen = new Set<string>();
  return peers.filter((peer) => {
    if (seen.has(peer.id)) return false;
    seen.add(peer.id);
    if (selection.include !== undefined && !matchesPeer(peer, selection.include)) return false;
    if (selection.exclude !== undefined && matchesPeer(peer, selection.exclude)) return false;
    const skills = selection.skills ?? [];
    return skills.length === 0 || matchedSkills(peer, skills).length > 0;
  });
}
