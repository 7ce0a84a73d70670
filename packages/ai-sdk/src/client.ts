import { peerClientOf } from "@molecule-ai/agent-core";
import type { Peer, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

/**
 * A running agent, accepted by {@link peerTool} and {@link peerTools} in place of a client: the
 * tools then call through `agent.callPeer`, which awaits a poll-delivered peer's answer, so the
 * model gets the answer as the tool result instead of a "queued" note.
 */
export type AgentSource = RemoteAgent<PlatformClient>;

/** The client behind a tool source: a `RemoteAgent`'s awaiting view, or the object itself. */
export function clientOf<T extends object>(source: T | AgentSource): T {
  return peerClientOf(source as object) as T;
}

/**
 * The part of `PlatformClient` the peer tools use. A structural type: pass a `PlatformClient`,
 * or any object with these methods (a test double, a wrapper that adds tracing).
 */
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

/** Normalises a {@link PeerRef} to an object with an id. */
export function toPeerInfo(
  peer: PeerRef,
): Pick<Peer, "id"> & Partial<Pick<Peer, "name" | "role" | "agentCard" | "status">> {
  if (typeof peer === "string") {
    if (peer.trim() === "")
      throw new TypeError(
        "peerTool: the peer id is empty; pass a workspace id or a Peer from client.listPeers().",
      );
    return { id: peer };
  }
  if (
    peer === null ||
    typeof peer !== "object" ||
    typeof peer.id !== "string" ||
    peer.id.trim() === ""
  ) {
    throw new TypeError(
      "peerTool: the peer has no id; pass a workspace id or a Peer from client.listPeers().",
    );
  }
  return peer;
}
