import type { Peer, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

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
