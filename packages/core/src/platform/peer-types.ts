// The types of peers as PlatformClient lists, discovers and calls them.
import type { A2AArtifact, A2APart, AgentCard } from "../a2a/index.js";
import type { WorkspaceStatus } from "./types.js";

/** A peer workspace this agent may talk to. */
export interface Peer {
  id: string;
  name: string;
  role: string | null;
  tier: number | null;
  /** `"unknown"` when the platform sent none. */
  status: WorkspaceStatus;
  url: string | null;
  parentId: string | null;
  activeTasks: number;
  agentCard: AgentCard | null;
}

/** A discovered peer endpoint. */
export interface DiscoveredPeer {
  id: string;
  /**
   * The address the platform gave. For a peer that polls for its messages (`delivery_mode: "poll"`)
   * this is no address of the peer's: an August-2026 platform answers its own internal
   * `http://ws-<id>:8000` (the name of a container on the platform's network), the emulator an
   * empty URL. See `internal`.
   */
  url: string;
  name: string;
  /**
   * `true` when `url` is not an address a caller outside the platform can reach: empty, or the
   * platform's internal `http://ws-<id>:8000` (a peer that polls, or one the platform runs in its
   * own container network). Call such a peer through the platform (`via: "proxy"`, the default);
   * `via: "direct"` refuses it with `peer_polls` before any connection attempt.
   */
  internal: boolean;
}

/** Options of {@link PlatformClient.callPeer}. */
export interface PeerCallOptions {
  signal?: AbortSignal | undefined;
  /**
   * Deadline of the whole exchange with the peer in ms (default: the client's `peerTimeoutMs`):
   * the agent-card lookup of `via: "direct"`, the request and a protocol fallback retry all fit in
   * it, and so does a proxied call's wait for the platform's rate budget (no turn in time:
   * `rate_limited` with `retryAfterMs`, nothing sent). The `discoverPeer` lookup of
   * `via: "direct"` is a platform call with its own `timeoutMs`.
   */
  timeoutMs?: number | undefined;
  /**
   * The A2A protocol to speak: `"0.3"` (`message/send`) or `"1.0"` (`SendMessage` with
   * `A2A-Version: 1.0`, proto-JSON parts). Default: chosen from the peer's agent card (the cached
   * `listPeers` entry, or the card at the peer's `/.well-known/agent-card.json` for `via: "direct"`),
   * else 0.3; a call rejected as unknown method (-32601) or unsupported version (-32009) is retried
   * once in the other protocol (safe: the peer rejected it without running it). When set, no
   * fallback happens.
   */
  protocol?: "0.3" | "1.0" | undefined;
  /**
   * `"proxy"` (default): through the platform. `"direct"`: to the peer's URL, without any platform
   * credential; a peer that polls has no URL of its own, so it fails `peer_polls` before any
   * connection (see `DiscoveredPeer.internal`).
   */
  via?: "proxy" | "direct" | undefined;
  /**
   * `via: "direct"` only: record the call as a delegation on the platform (default `true`), so the
   * canvas shows a call the platform did not carry; `false` skips the two extra platform requests.
   */
  recordDelegation?: boolean | undefined;
  contextId?: string | undefined;
  taskId?: string | undefined;
  messageId?: string | undefined;
  /**
   * Message metadata. `molecule_source_workspace_id` (this workspace's id) is added unless you set
   * it: the receiver's only hint of the sender on push delivery, an unauthenticated claim.
   */
  metadata?: Record<string, unknown> | undefined;
}

/** Outcome of {@link PlatformClient.callPeer}. `text` is the peer text as received: apply `sanitizePeerText`. */
export type PeerCallResult =
  | {
      status: "completed" | "failed" | "input-required" | "working";
      /** The answer's text parts joined (artifacts first, else the message): the peer's, untrusted. */
      text: string;
      /**
       * Every part of the answer in order, text, data and file parts alike (normalised to v0.3
       * `kind`): the artifacts' parts, else the message's or the status message's. Always set by
       * the SDK's calls (optional so that test doubles written before it still type-check).
       */
      parts?: A2APart[];
      /** The artifacts of the peer's task (empty for an answer that is a message); always set by the SDK. */
      artifacts?: A2AArtifact[];
      raw: unknown;
      peerId: string;
      messageId: string;
      contextId?: string;
      taskId?: string;
      /** The A2A protocol the peer answered in. */
      protocol?: "0.3" | "1.0";
    }
  | {
      status: "queued";
      /**
       * The platform's queue id of a busy push peer's call (`202 {queued: true, queue_id}`); `""`
       * for a poll peer's receipt (`200 {status: "queued", delivery_mode: "poll"}`), which has none.
       */
      queueId: string;
      queueDepth?: number;
      /**
       * `"poll"`: the peer uses poll delivery and will read the message from its inbox (it is not
       * busy; its answer arrives later as an inbound answer). `"push"`: the peer is busy and the
       * platform will forward the message when it has capacity. Absent: unknown (treat as busy).
       */
      deliveryMode?: "poll" | "push";
      raw: unknown;
      peerId: string;
      messageId: string;
    };
