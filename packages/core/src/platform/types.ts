// The option and result types of PlatformClient's registry, workspace, messaging, capability and
// token calls (peer types: peer-types.ts; activity types: activity.ts).
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Logger } from "../transport/index.js";
import type { WireWorkspace } from "../wire/index.js";
import type { TokenStore } from "./token-store.js";

/** Options of {@link PlatformClient}. */
export interface PlatformClientOptions {
  /** The platform's base URL, e.g. `https://acme.moleculesai.app`. */
  platformUrl: string;
  /** This agent's workspace id (a UUID; normalised to lowercase). */
  workspaceId: string;
  /** The workspace bearer token. Takes precedence over `tokenStore`. */
  token?: string | undefined;
  /** Where the token is loaded from and saved to (e.g. `FileTokenStore`). */
  tokenStore?: TokenStore | undefined;
  /**
   * A SaaS tenant's organisation id, sent as `X-Molecule-Org-Id`; default `MOLECULE_ORG_ID`
   * (`""` sends none).
   */
  orgId?: string | undefined;
  /** `Origin` header; default the platform URL's origin; `false` sends none. */
  origin?: string | false | undefined;
  /**
   * The forward proxy of every connection (a URL such as `http://user:password@proxy:3128`), or
   * `false` for none. Default: the environment's, as curl and npm read it: HTTPS_PROXY for an https
   * platform (else HTTP_PROXY), HTTP_PROXY for http, NO_PROXY for the hosts reached directly.
   * The connection budgets hold through it. Ignored where `dispatcher` is given.
   */
  proxy?: string | URL | false | undefined;
  /**
   * An undici dispatcher (tests, custom TLS). Default: a keep-alive pool shared by every client of
   * the process that brings none (`close()` of the last one closes it), through `proxy`.
   */
  dispatcher?: Dispatcher | undefined;
  /**
   * The dispatcher of heartbeats and state checks, so no other call (a peer call waiting minutes
   * for the peer's answer) ever holds a connection slot a heartbeat needs. Default: derived from
   * `dispatcher` (an undici `Agent` with a connection limit: a sibling with the same settings and
   * limit; a pool without a limit, the default one included, never makes them wait and is used
   * as is). Pass one when `dispatcher` is a proxy agent, e.g. another `ProxyAgent` to the proxy.
   */
  livenessDispatcher?: Dispatcher | undefined;
  /**
   * The dispatcher of long-lived streams (the event stream, plugin downloads), so an open stream
   * never holds a connection slot a heartbeat needs. Default: derived from `dispatcher` (for an
   * undici `Agent`, a sibling with the same settings and no connection limit). Pass one when
   * `dispatcher` is a proxy agent, e.g. a second `ProxyAgent` to the same proxy.
   */
  streamDispatcher?: Dispatcher | undefined;
  /**
   * Timeout of each HTTP attempt of a platform call, in ms (default 30 000), its wait for the
   * rate budget and for a connection slot included: an attempt that gets no turn of the rate
   * budget in time fails with `rate_limited` (`retryAfterMs`; nothing was sent). It is per attempt,
   * not an overall deadline: a GET retried on 429/502/503 or a connection failure (at most 3
   * retries, with waits of up to 30 s between them) gets a fresh `timeoutMs` per attempt; an
   * attempt that times out is not retried. For a streamed body (`openEventStream`,
   * `downloadPlugin`) it covers the response headers only. Use `signal` for an overall deadline
   * (e.g. `AbortSignal.timeout(ms)`); peer calls use `peerTimeoutMs`.
   */
  timeoutMs?: number | undefined;
  /** Timeout of peer calls (`callPeer`, `reply` to a peer) in ms (default 120 000). */
  peerTimeoutMs?: number | undefined;
  /** How long discovered peer URLs stay cached, in ms (default 300 000). */
  peerCacheTtlMs?: number | undefined;
  /** `User-Agent` header. */
  userAgent?: string | undefined;
  /** Structured logger (debug lines per request; never tokens). */
  logger?: Logger | undefined;
  /**
   * Largest platform response body read into memory, in bytes (default 64 MiB); a longer one fails
   * with code `response_too_large`. Peer answers are capped at 16 MiB whatever this says.
   */
  maxResponseBytes?: number | undefined;
}

/** Result of {@link PlatformClient.register}. */
export interface RegisterResult {
  /** The platform's status string (`"registered"`). */
  status: string;
  /** Whether this call minted the workspace token (it was saved to the token store). */
  tokenIssued: boolean;
  /** How inbound messages will arrive. */
  deliveryMode: "push" | "poll";
  /** Secret the platform uses to authenticate pushes (newer servers), when returned. */
  inboundSecret?: string;
}

/** Task report sent with a heartbeat. Numbers are sent as integers where the platform needs them. */
export interface HeartbeatReport {
  activeTasks?: number;
  currentTask?: string;
  errorRate?: number;
  sampleError?: string;
  /** Default: seconds since the client was created. */
  uptimeSeconds?: number;
  runtimeState?: "" | "wedged";
}

/**
 * A workspace's status: the platform's `workspace_status` values (`models/workspace_status.go` at
 * molecule-core 2026-05: `awaiting_agent`, an external workspace no agent serves yet or whose
 * heartbeats stopped, and `hibernating`, on its way to `hibernated`, came with #2388), or another
 * string a newer platform sends, passed through as is.
 */
export type WorkspaceStatus =
  | "provisioning"
  | "online"
  | "offline"
  | "degraded"
  | "failed"
  | "removed"
  | "paused"
  | "hibernated"
  | "hibernating"
  | "awaiting_agent"
  | (string & {});

/**
 * A delegation's status: `delegated` (the answer to `delegate`), then the row's `pending`,
 * `dispatched`, `received`, `in_progress`, `queued` (the target was busy), `completed` or `failed`;
 * `stuck` (the platform's ledger found no heartbeat for it for 10 minutes, #2836); or another string
 * a newer platform sends, passed through as is.
 */
export type DelegationStatus =
  | "delegated"
  | "pending"
  | "dispatched"
  | "received"
  | "in_progress"
  | "queued"
  | "completed"
  | "failed"
  | "stuck"
  | (string & {});

/** Result of {@link PlatformClient.getState}. */
export interface WorkspaceState {
  status: WorkspaceStatus;
  paused: boolean;
  removed: boolean;
}

/** Result of {@link PlatformClient.delegate}. */
export interface DelegationResult {
  delegationId: string;
  status: DelegationStatus;
  targetId: string;
  /** True when the platform recognised the idempotency key and returned the existing delegation. */
  idempotentHit: boolean;
}

/** A row for this workspace's own activity log (`PlatformClient.reportActivity`). */
export interface ActivityReport {
  /** One of the platform's list: `a2a_send`, `a2a_receive`, `task_update`, `agent_log`, `skill_promotion`, `memory_write`, `error`. */
  activityType: string;
  method?: string | undefined;
  summary?: string | undefined;
  /** A workspace id (checked before the request). */
  targetId?: string | undefined;
  /** Free text (the platform's default: `"ok"`). */
  status?: string | undefined;
  errorDetail?: string | undefined;
  /** Stored as the row's `request_body` (a JSON object). */
  requestBody?: Record<string, unknown> | undefined;
}

/** A file attached to a canvas notification. */
export interface NotifyAttachment {
  uri: string;
  name: string;
  mimeType?: string;
  size?: number;
}

/** What the platform supports, probed once by {@link PlatformClient.capabilities}. */
export interface PlatformCapabilities {
  /** `since_id` cursors with 410 on stale cursors. */
  cursors: boolean;
  /** `delivery_mode: "poll"` on register. */
  pollDelivery: boolean;
  /** `GET /workspaces/:id/events/stream` (SSE). */
  eventStream: boolean;
  /**
   * Why the event-stream probe failed (a timeout, a reset) when it failed rather than answered;
   * `eventStream` is then `false`.
   */
  eventStreamError?: string;
  /** The contract the server speaks. */
  compat: "latest" | "2026-04";
}

/** A live workspace token as listed by the platform (the token itself is never listed). */
export interface TokenInfo {
  id: string;
  prefix: string;
  createdAt: string | null;
  lastUsedAt: string | null;
}

/** Result of `PlatformClient.rotateToken()`. The new token is active in every case. */
export interface RotateTokenResult {
  /** The id of the old token, revoked; `undefined` when it was not revoked (see `oldToken`). */
  revokedTokenId: string | undefined;
  /**
   * `"revoked"`; or why the old token is still live: `"ambiguous"` (several live tokens share its
   * prefix, listed in `candidateIds`) or `"not_found"` (no live token has its prefix).
   */
  oldToken: "revoked" | "ambiguous" | "not_found";
  /** The ids of the live tokens whose prefix matches the old token. */
  candidateIds: string[];
}

/** A newly minted token. `util.inspect` redacts it; read `token` to use it. */
export interface IssuedToken {
  token: string;
  workspaceId: string;
}

/** The workspace as `GET /workspaces/:id` returns it. */
export type WorkspaceInfo = WireWorkspace;

/** An open SSE event stream of this workspace. */
export interface EventStream {
  /** The raw `text/event-stream` body (parse it with `eventsource-parser`). */
  body: Readable;
  /** Closes the stream. */
  close(): void;
}
