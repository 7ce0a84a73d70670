import { peerClientOf } from "@molecule-ai/agent-core";
import type { Peer, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { PeerToolConfigError } from "@molecule-ai/agent-core/peer-tools";

/**
 * A running agent, accepted by {@link peerTool} and {@link peerTools} in place of a client: the
 * tools then call through `agent.callPeer`, which awaits a poll-delivered peer's answer, so the
 * model gets the answer as the tool result instead of a "queued" note.
 */
export type AgentSource = RemoteAgent<PlatformClient>;

/** The part of `PlatformClient` a peer tool uses (a test double or a wrapper fits too). */
export type PeerToolClient = Pick<PlatformClient, "callPeer">;

/** The part of `PlatformClient` that {@link peerTools} uses. */
export type PeerToolsClient = Pick<PlatformClient, "callPeer" | "listPeers" | "delegate">;

/**
 * A peer to expose as a tool: its workspace id, or a `Peer` from `client.listPeers()` (whose
 * name, role and agent card then describe the tool to the model).
 */
export type PeerRef =
  | string
  | (Pick<Peer, "id"> & Partial<Pick<Peer, "name" | "role" | "agentCard" | "status">>);

/**
 * The client behind a tool source (a `RemoteAgent`'s awaiting view, or the object itself);
 * throws `PeerToolConfigError` when it lacks one of `methods`.
 */
export function clientOf<T extends object>(
  source: T | AgentSource,
  methods: readonly string[],
  what: string,
): T {
  const client = peerClientOf(source as object) as T;
  const missing = methods.filter(
    (m) => typeof (client as Record<string, unknown>)?.[m] !== "function",
  );
  if (missing.length > 0) {
    throw new PeerToolConfigError(
      `${what}: \`client\` must be a PlatformClient (a RemoteAgent, or an object with ${methods.join(", ")}); ${missing.join(", ")} missing.`,
    );
  }
  return client;
}

/** Normalises a {@link PeerRef} to an object with an id. */
export function toPeerInfo(peer: PeerRef): Exclude<PeerRef, string> {
  const info = typeof peer === "string" ? { id: peer } : peer;
  if (typeof info?.id !== "string" || info.id.trim() === "") {
    throw new PeerToolConfigError(
      "peerTool: the peer id is empty; pass a workspace id or a Peer from client.listPeers().",
    );
  }
  return info;
}
