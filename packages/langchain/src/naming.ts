import { sanitizePeerText } from "@molecule-ai/agent-core";
import type { PeerLike } from "./types.js";

/** Tool names accepted by every major provider: `^[a-zA-Z0-9_-]{1,64}$`. */
const MAX_TOOL_NAME = 64;
const MAX_DESCRIPTION = 1024;

/** Lowercase ASCII slug of a peer name: runs of other characters become one `_`. */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** The id fragment used to tell apart peers whose names slug the same. */
function idSuffix(id: string, length = 8): string {
  const clean = id.toLowerCase().replace(/[^a-z0-9]/g, "");
  return clean.slice(0, length) || "peer";
}

/**
 * The default tool name for a peer: `call_<slug of its name>`, cut to 64 characters; a peer whose
 * name has no ASCII letters or digits is named after its id.
 */
export function peerToolName(peer: Pick<PeerLike, "id" | "name">): string {
  const slug = slugify(peer.name) || idSuffix(peer.id);
  return `call_${slug}`.slice(0, MAX_TOOL_NAME).replace(/_+$/, "");
}

/**
 * Names for many peers at once, collision-safe and deterministic whatever the order: every peer
 * whose default name is shared (or taken by `reserved`) gets `_<id fragment>` appended.
 */
export function uniquePeerToolNames(
  peers: readonly Pick<PeerLike, "id" | "name">[],
  reserved: Iterable<string> = [],
): Map<string, string> {
  const taken = new Set(reserved);
  const counts = new Map<string, number>();
  const base = peers.map((p) => peerToolName(p));
  for (const name of base) counts.set(name, (counts.get(name) ?? 0) + 1);
  const isUnique = (name: string) => (counts.get(name) ?? 0) === 1 && !taken.has(name);
  const out = new Map<string, string>();
  const used = new Set<string>(base.filter(isUnique));
  peers.forEach((peer, i) => {
    const name = base[i] as string;
    if (isUnique(name)) {
      out.set(peer.id, name);
      return;
    }
    let chosen: string | undefined;
    const id = idSuffix(peer.id, 64);
    for (let length = 8; chosen === undefined; length += 4) {
      const suffix = `_${id.slice(0, length)}`;
      const candidate = `${name.slice(0, MAX_TOOL_NAME - suffix.length)}${suffix}`;
      if (!used.has(candidate) && !taken.has(candidate)) chosen = candidate;
      if (length >= id.length) break;
    }
    chosen ??= `${name.slice(0, MAX_TOOL_NAME - 6)}_${i}`;
    used.add(chosen);
    out.set(peer.id, chosen);
  });
  return out;
}

/** Peer-controlled text made safe for a prompt: markers neutralised, one line, bounded. */
export function promptSafe(text: unknown, max = 300): string {
  const clean = sanitizePeerText(text).replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The default tool description for a peer, from its name, role and agent card (description and
 * skills). Card text is written by the peer, so it is sanitised and bounded.
 */
export function peerToolDescription(peer: PeerLike): string {
  const name = promptSafe(peer.name, 100) || peer.id;
  const parts = [`Send a message to the peer agent "${name}" and return its reply.`];
  const role = promptSafe(peer.role ?? "", 100);
  if (role) parts.push(`Role: ${role}.`);
  const card = peer.agentCard;
  const about = promptSafe(card?.description ?? "", 300);
  if (about) parts.push(about.endsWith(".") ? about : `${about}.`);
  const skills = Array.isArray(card?.skills) ? card.skills : [];
  const listed = skills
    .map((s) => {
      const skillName = promptSafe(s?.name ?? s?.id ?? "", 60);
      const desc = promptSafe(s?.description ?? "", 120);
      return skillName && desc ? `${skillName} (${desc})` : skillName;
    })
    .filter(Boolean);
  if (listed.length > 0) parts.push(`Skills: ${listed.join("; ")}.`);
  const text = parts.join(" ");
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}
