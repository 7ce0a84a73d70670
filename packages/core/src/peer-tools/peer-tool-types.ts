// What peer tools are built from and what they keep beside the model's text: the client shapes a
// tool needs, the peer it calls, its artifacts and its failure policy. The same in every adapter.
import type { AgentCard } from "../a2a/index.js";
import type { RemoteAgent } from "../agent/index.js";
import type { PeerCallResult, PlatformClient } from "../platform/index.js";
import type { ErrorFields } from "./error-fields.js";

/**
 * A running agent, accepted by every tool factory in place of a client: its tools call peers
 * through `agent.callPeer`, which awaits a poll-delivered peer's answer, so the model gets the
 * answer instead of a "queued" note. Typed with its `PlatformClient` or as a plain `RemoteAgent`
 * (a field declared `RemoteAgent`); a client without a method a factory needs is refused when the
 * tools are built (`PeerToolConfigError`).
 */
export type AgentSource = RemoteAgent<PlatformClient> | RemoteAgent;

/**
 * The part of a `PlatformClient` a peer tool needs. Any object with this method works (a real
 * `PlatformClient`, a wrapper that adds per-run headers, a test double).
 */
export type PeerCallClient = Pick<PlatformClient, "callPeer">;

/** The part of a `PlatformClient` a whole peer tool set needs (peer tools and the built-ins). */
export type PeerToolkitClient = Pick<PlatformClient, "callPeer" | "listPeers" | "delegate">;

/** The part of a `PlatformClient` that the `list_peers` tool needs. */
export type ListPeersClient = Pick<PlatformClient, "listPeers">;

/** The part of a `PlatformClient` that the `delegate_to_peer` tool needs. */
export type DelegateClient = Pick<PlatformClient, "delegate">;

/**
 * A peer as the tools need it: its id and name, plus the role and agent card when known (a
 * `Peer` from `client.listPeers()` fits as is).
 */
export interface PeerLike {
  /** The peer workspace id. */
  id: string;
  /** The peer's display name; the tool name is derived from it. */
  name: string;
  /** The peer's role, shown to the model in the tool description. */
  role?: string | null;
  /** The peer's agent card; its description and skills are shown to the model. */
  agentCard?: AgentCard | null;
}

/** What a peer tool keeps as its artifact (e.g. `ToolMessage.artifact`) when the peer answered. */
export interface PeerToolArtifact {
  /** The peer that was called. */
  peer: { id: string; name: string };
  /** The raw call result: status, the unstripped text, the raw JSON-RPC result, ids. */
  result: PeerCallResult;
}

/** What a peer tool keeps as its artifact (e.g. `ToolMessage.artifact`) when the call failed. */
export interface PeerToolErrorArtifact {
  /** The peer that was called. */
  peer: { id: string; name: string };
  /** The failure, with the fields of the SDK's typed error when there is one. */
  error: ErrorFields;
  /** The call result when the peer answered with a failed task. */
  result?: PeerCallResult;
}

/** How a tool reports a failure the model can act on (the peer failed, timed out, is unknown). */
export type OnPeerError =
  | "return"
  | "throw"
  | ((error: unknown, info: { peer: { id: string; name: string } }) => string);
