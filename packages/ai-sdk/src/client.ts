import type { Peer, PlatformClient } from "@molecule-ai/agent-core";

// A running agent (`RemoteAgent`, with its `PlatformClient` type or the default one), accepted by
// `peerTool` and `peerTools` in place of a client: core's type.
export type { AgentSource } from "@molecule-ai/agent-core/peer-tools";

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
