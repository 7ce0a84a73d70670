// Tool names for peers: one slug rule and one collision rule for every adapter.
import { PeerToolConfigError } from "./errors.js";

/** The tool-name rule every major model provider accepts. */
export const TOOL_NAME_PATTERN: RegExp = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX = 64;
/** Characters of the peer id appended to a name shared by several peers (more only if needed). */
export const COLLISION_SUFFIX_LENGTH = 8;

/** A peer as naming needs it. */
export interface NamedPeer {
  id: string;
  name: string;
}

/**
 * Lowercase ASCII slug: accents dropped ("Renée" → `renee`), every other run of characters outside
 * `[a-z0-9]` becomes one `_`, no leading or trailing `_`.
 */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

function idSlug(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]/g, "") || "peer";
}

/**
 * The default tool name of a peer: `call_<slug of its name>`, at most 64 characters; a name
 * without ASCII letters or digits is replaced by the first 8 characters of the id.
 */
export function peerToolName(peer: NamedPeer): string {
  const slug = slugify(peer.name) || idSlug(peer.id).slice(0, COLLISION_SUFFIX_LENGTH);
  return `call_${slug}`.slice(0, MAX).replace(/_+$/, "");
}

/** Throws {@link PeerToolConfigError} unless `name` matches {@link TOOL_NAME_PATTERN}. */
export function assertToolName(name: string): void {
  if (!TOOL_NAME_PATTERN.test(name)) {
    throw new PeerToolConfigError(
      `tool name "${name}" is invalid; use 1-64 letters, digits, "_" or "-".`,
    );
  }
}

/**
 * Names for many peers at once, keyed by peer id: deterministic whatever the order. A peer whose
 * default name is shared with another peer (or taken by `reserved`) gets `_<first 8 characters
 * of its id>` appended (longer if that still collides).
 */
export function uniquePeerToolNames(
  peers: readonly NamedPeer[],
  reserved: Iterable<string> = [],
): Map<string, string> {
  const taken = new Set(reserved);
  const base = peers.map((p) => peerToolName(p));
  const counts = new Map<string, number>();
  for (const name of base) counts.set(name, (counts.get(name) ?? 0) + 1);
  const isUnique = (name: string) => counts.get(name) === 1 && !taken.has(name);
  const used = new Set(base.filter(isUnique));
  const out = new Map<string, string>();
  peers.forEach((peer, i) => {
    const name = base[i] as string;
    if (isUnique(name)) {
      out.set(peer.id, name);
      return;
    }
    const id = idSlug(peer.id);
    let chosen: string | undefined;
    for (let length = COLLISION_SUFFIX_LENGTH; chosen === undefined; length += 4) {
      const suffix = `_${id.slice(0, length)}`;
      const candidate = `${name.slice(0, MAX - suffix.length)}${suffix}`;
      if (!used.has(candidate) && !taken.has(candidate)) chosen = candidate;
      if (length >= id.length) break;
    }
    chosen ??= `${name.slice(0, MAX - 6)}_${i}`;
    used.add(chosen);
    out.set(peer.id, chosen);
  });
  return out;
}
