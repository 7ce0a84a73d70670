// The options, messages and answers of `RemoteA2AAgent` (remote-agent.ts).
import type { CardKeyResolver } from "../card-signature.js";
import type { PeerStreamLimits } from "../sse.js";
import type { A2AArtifact, A2APart } from "../types.js";
import type { A2AGrpcTransport } from "./grpc-binding.js";

/** Options of {@link RemoteA2AAgent}. */
export interface RemoteA2AAgentOptions {
  /**
   * The agent's URL (its A2A endpoint or its base URL). Its card is looked up at the origin's
   * `/.well-known/agent-card.json`, below the URL's path, then at the older `agent.json`. The
   * agent is called at the URL its card gives when that is on this URL's origin, else here.
   */
  url?: string | undefined;
  /** The card's exact URL, instead of looking it up from `url` (one of the two is needed). */
  cardUrl?: string | undefined;
  /**
   * The caller's credentials by the name of the card's `securitySchemes` entry (e.g.
   * `{ bearerAuth: "<token>", apiKey: "<key>" }`): each is sent only when the card declares that
   * scheme (and its security requirements, when it lists some, name it), as the scheme says:
   * `Authorization: Bearer` (HTTP bearer, OAuth 2, OpenID Connect: bring the access token),
   * `Authorization: Basic` (HTTP basic: `user:password`), or an API key in a header, the query or
   * a cookie. Nothing else is sent: never a Molecule workspace token.
   */
  credentials?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Allow an agent on this machine or your own network: loopback, private (RFC 1918, CGNAT),
   * link-local and unique-local addresses (default `false`: public addresses only, as for push
   * webhooks). Cloud metadata, multicast, unspecified and reserved addresses are never allowed.
   */
  allowPrivateNetwork?: boolean | undefined;
  /**
   * Verify the card's signature (JWS, A2A v1.0 §8.4) with keys this resolver knows: an unsigned
   * card, or one no signature of which verifies, is refused (`card_signature_invalid`), and
   * credentials are not sent for a scheme the signature does not cover (v0.3-form entries).
   * Without it the card is used unverified (its interface URL must still be on the agent's origin).
   */
  verifyCard?: CardKeyResolver | undefined;
  /** Deadline of each request in ms (of a stream's first byte); default 120 000. */
  timeoutMs?: number | undefined;
  /** Largest answer read, in bytes; default 16 MiB. */
  maxResponseBytes?: number | undefined;
  /** Bounds of each stream after its first byte (event and stream size, deadline, idle gap). */
  streamLimits?: PeerStreamLimits | undefined;
  /** The `User-Agent` header; default `molecule-agent-core`. */
  userAgent?: string | undefined;
  /**
   * A gRPC client (`a2aGrpcTransport()` of @molecule-ai/grpc), for an agent whose card offers the
   * A2A v1.0 gRPC binding and neither JSON-RPC nor HTTP+JSON: `send`, `start`, `getTask` and
   * `cancelTask` are then gRPC calls, with the same credential, address and size rules (header
   * credentials are sent as metadata; a query API key is not sent).
   */
  grpc?: A2AGrpcTransport | undefined;
}

/** What is sent: text, or A2A parts (with optional text before them). */
export type RemoteA2AMessage = string | { text?: string; parts?: A2APart[] | unknown[] };

/** Options of one message to a remote agent. */
export interface RemoteA2ASendOptions {
  signal?: AbortSignal | undefined;
  /** Continue this conversation. */
  contextId?: string | undefined;
  /** Continue this task of the agent (e.g. answer its `input-required` question). */
  taskId?: string | undefined;
  messageId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** Deadline of this request in ms; default the agent's `timeoutMs`. */
  timeoutMs?: number | undefined;
}

/** The agent's answer to {@link RemoteA2AAgent.send}: its text and parts are the agent's, untrusted. */
export interface RemoteA2AResult {
  /** The task's state (`canceled` and `rejected` read as `failed`), or `completed` for a message. */
  status: "completed" | "failed" | "input-required" | "working";
  /** The answer's text parts joined (artifacts first, else the message): the agent's, untrusted. */
  text: string;
  /** Every part of the answer (v0.3): the artifacts', else the message's or the status message's. */
  parts: A2APart[];
  /** The task's artifacts (v0.3); none for a message. */
  artifacts: A2AArtifact[];
  /** The conversation to continue. */
  contextId?: string;
  /** The agent's task (continue it, get it, cancel it). */
  taskId?: string;
  /** The id of the message sent. */
  messageId: string;
  /** The A2A protocol the agent answered in. */
  protocol: "0.3" | "1.0";
  /** The answer's JSON-RPC result (or HTTP+JSON body) as the agent sent it. */
  raw: unknown;
}
