// PlatformClient: one method per platform endpoint a remote agent uses.
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import {
  A2A_VERSION_HEADER,
  type A2AProtocolVersion,
  buildMessageSendRequest,
  peerProtocolFromCard,
  summarizeA2AResult,
  toSendMessageRequestV1,
} from "../a2a/outbound.js";
import { IN_REPLY_TO_KEY } from "../a2a/conversation.js";
import { derivePathSecret } from "../a2a/server/index.js";
import type { A2APart, AgentCard } from "../a2a/types.js";
import { type InboundMessage, parseActivityRow } from "../inbound/message.js";
import {
  CursorLostError,
  MoleculeAuthError,
  MoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
  MoleculeTimeoutError,
  WorkspaceRemovedError,
} from "../transport/errors.js";
import {
  DEFAULT_USER_AGENT,
  type HttpResponse,
  HttpTransport,
  type Logger,
  type RequestSpec,
} from "../transport/http.js";
import { maskMethodErrors } from "../transport/mask-errors.js";
import {
  hideInInspect,
  inspectCustom,
  REDACTED,
  redactDeep,
  redactText,
} from "../transport/redact.js";
import {
  activityListSchema,
  activityRowSchema,
  createTokenSchema,
  delegateSchema,
  discoverSchema,
  jsonRpcResponseSchema,
  peersSchema,
  queuedSchema,
  registerResponseSchema,
  secretsSchema,
  stateResponseSchema,
  tokenListSchema,
  type WireActivityRow,
  type WirePeer,
  type WireWorkspace,
  workspaceSchema,
  parseWire,
} from "../wire/schemas.js";
import { fetchPeerCard, MAX_PEER_RESPONSE_BYTES, postToPeer } from "./direct.js";
import { clip, errorText, expectShape, type Hints, httpError, ok } from "./http-errors.js";
import { makeIdempotencyKey } from "./idempotency.js";
import { requireWorkspaceId, UUID_RE } from "./ids.js";
import { filterPeers } from "./peer-filter.js";
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
  /** SaaS tenant id, sent as `X-Molecule-Org-Id`. */
  orgId?: string | undefined;
  /** `Origin` header; default the platform URL's origin; `false` sends none. */
  origin?: string | false | undefined;
  /**
   * An undici dispatcher (proxies, tests). Default: a keep-alive pool shared by every client of
   * the process that brings none (`close()` of the last one closes it).
   */
  dispatcher?: Dispatcher | undefined;
  /**
   * The dispatcher of long-lived streams (the event stream, plugin downloads), so an open stream
   * never holds a connection slot a heartbeat needs. Default: derived from `dispatcher` (for an
   * undici `Agent`, a sibling with the same settings and no connection limit). Pass one when
   * `dispatcher` is a proxy agent, e.g. a second `ProxyAgent` to the same proxy.
   */
  streamDispatcher?: Dispatcher | undefined;
  /**
   * Timeout of each HTTP attempt of a platform call, in ms (default 30 000). It is per attempt,
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

/** Result of {@link PlatformClient.getState}. */
export interface WorkspaceState {
  status: string;
  paused: boolean;
  removed: boolean;
}

/** A peer workspace this agent may talk to. */
export interface Peer {
  id: string;
  name: string;
  role: string | null;
  tier: number | null;
  status: string;
  url: string | null;
  parentId: string | null;
  activeTasks: number;
  agentCard: AgentCard | null;
}

/** A discovered peer endpoint. */
export interface DiscoveredPeer {
  id: string;
  url: string;
  name: string;
}

/** Options of {@link PlatformClient.callPeer}. */
export interface PeerCallOptions {
  signal?: AbortSignal | undefined;
  /**
   * Deadline of the whole exchange with the peer in ms (default: the client's `peerTimeoutMs`):
   * the agent-card lookup of `via: "direct"`, the request and a protocol fallback retry all fit in
   * it. The `discoverPeer` lookup of `via: "direct"` is a platform call with its own `timeoutMs`.
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
  /** `"proxy"` (default): through the platform. `"direct"`: to the peer's URL, without any platform credential. */
  via?: "proxy" | "direct" | undefined;
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
      text: string;
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

/** Result of {@link PlatformClient.delegate}. */
export interface DelegationResult {
  delegationId: string;
  status: string;
  targetId: string;
  /** True when the platform recognised the idempotency key and returned the existing delegation. */
  idempotentHit: boolean;
}

/** Filters of {@link PlatformClient.fetchInbound} / {@link PlatformClient.fetchActivity}. */
export interface FetchInboundOptions {
  /** Return rows strictly after this activity id. */
  sinceId?: string | undefined;
  /**
   * Rows of the last `sinceSecs` seconds, oldest first (first-run backfill, re-read after a 410).
   * The baseline ignores it: the SDK filters its newest-first listing instead (see `gap`).
   */
  sinceSecs?: number | undefined;
  /** Max rows (default 100, platform max 500). */
  limit?: number | undefined;
  /** Only messages from this peer workspace. */
  peerId?: string | undefined;
  /** Only rows created before this time. */
  beforeTs?: string | Date | undefined;
  /** Activity type (default `"a2a_receive"`). */
  type?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** One page of activity, oldest first. */
export interface ActivityPage {
  /** Inbound messages (own notify echoes and non-inbound rows removed). */
  messages: InboundMessage[];
  /** Every row returned (ascending), including the ones that are not messages. */
  rows: WireActivityRow[];
  /** The id of the last row (advance the cursor past skipped rows too); the input `sinceId` when empty. */
  nextCursor: string | undefined;
  /** `true` when the server honours `since_id` (newer contract); `false` on the baseline (a newest-first window, reversed: de-duplicate by `activityId`). */
  cursorSupported: boolean;
  /**
   * Newer contract: the server returned a full page after a cursor or time window, so more rows
   * may be waiting: fetch again at once with `sinceId: nextCursor`.
   */
  hasMore: boolean;
  /**
   * Baseline contract: `sinceId` was given but is not in the returned newest-first window (or a
   * `sinceSecs` window filled the whole listing), so rows between it and the oldest row returned
   * may exist that this platform cannot return (it has no cursor paging). Raise `limit` (at most
   * 500) or poll more often.
   */
  gap: boolean;
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

/** Result of {@link PlatformClient.rotateToken}. The new token is active in every case. */
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

const UUID = UUID_RE;
const ZERO_CURSOR = "00000000-0000-0000-0000-000000000000";
const enc = encodeURIComponent;

function invalid(message: string): MoleculeError {
  return new MoleculeError(message, { code: "invalid_argument" });
}

const requireId = requireWorkspaceId;

function toInt(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(`${what} must be a finite number >= 0; got ${String(value)}`);
  }
  return Math.trunc(value);
}

function numOrNull(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function toPeer(row: WirePeer): Peer {
  const card = row.agent_card;
  return {
    id: row.id,
    name: row.name ?? row.id,
    role: row.role ?? null,
    tier: numOrNull(row.tier),
    status: row.status ?? "unknown",
    url: row.url ? row.url : null,
    parentId: row.parent_id ?? null,
    activeTasks: numOrNull(row.active_tasks) ?? 0,
    agentCard:
      typeof card === "object" && card !== null && !Array.isArray(card)
        ? (card as AgentCard)
        : null,
  };
}

interface CacheEntry<T> {
  value: T;
  expires: number;
}

/**
 * The platform client: one method per endpoint, typed results, typed errors.
 *
 * The bearer token goes only to the platform's origin, never into logs, errors or `util.inspect`.
 * GETs retry on 429 / 502 / 503 / connection errors (Retry-After honoured, else 1/2/4 s ± 25 %);
 * POSTs are not retried unless they carry an idempotency key.
 */
export class PlatformClient {
  /** The platform base URL (normalised, no trailing slash). */
  readonly platformUrl: string;
  /** This agent's workspace id. */
  readonly workspaceId: string;
  readonly #transport: HttpTransport;
  readonly #store: TokenStore | undefined;
  readonly #logger: Logger | undefined;
  readonly #peerTimeoutMs: number;
  readonly #peerTtlMs: number;
  readonly #userAgent: string;
  readonly #started = performance.now();
  readonly #selfHeaders: Record<string, string>;
  readonly #selfPeerHeaders: Record<string, string>;
  readonly #heartbeatPath: string;
  /**
   * Message metadata naming this workspace as the sender. The platform proxy forwards no caller
   * identity to a push endpoint, so this is how the receiver can tell who (claims to have) sent
   * it: an unauthenticated hint, never an authorization.
   */
  readonly #senderHint: Record<string, unknown>;
  #token: string | undefined;
  #tokenLoaded: boolean;
  #caps: Promise<PlatformCapabilities> | undefined;
  readonly #discoverCache = new Map<string, CacheEntry<DiscoveredPeer>>();
  readonly #peersCache = new Map<string, CacheEntry<Peer[]>>();
  /** The A2A protocol each peer answered in (or its card advertised), for peerCacheTtlMs. */
  readonly #protocols = new Map<string, CacheEntry<A2AProtocolVersion>>();

  constructor(options: PlatformClientOptions) {
    if (!options || typeof options !== "object")
      throw invalid("PlatformClient needs { platformUrl, workspaceId }");
    this.workspaceId = requireId(options.workspaceId, "workspaceId");
    this.#transport = new HttpTransport({
      baseUrl: options.platformUrl,
      getToken: () => this.#token,
      orgId: options.orgId,
      origin: options.origin,
      dispatcher: options.dispatcher,
      streamDispatcher: options.streamDispatcher,
      timeoutMs: options.timeoutMs,
      userAgent: options.userAgent,
      logger: options.logger,
      maxResponseBytes: options.maxResponseBytes,
    });
    this.platformUrl = this.#transport.origin + this.#transport.basePath;
    this.#store = options.tokenStore;
    this.#logger = options.logger;
    this.#peerTimeoutMs = options.peerTimeoutMs ?? 120_000;
    this.#peerTtlMs = options.peerCacheTtlMs ?? 300_000;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const token = options.token?.trim();
    this.#token = token || undefined;
    this.#tokenLoaded = this.#token !== undefined || this.#store === undefined;
    this.#selfHeaders = { "x-workspace-id": this.workspaceId };
    this.#selfPeerHeaders = {
      "x-workspace-id": this.workspaceId,
      "x-source-workspace-id": this.workspaceId,
    };
    this.#heartbeatPath = "/registry/heartbeat";
    this.#senderHint = { molecule_source_workspace_id: this.workspaceId };
    // Whatever path built an error, the token never leaves in it.
    maskMethodErrors(this, PlatformClient.prototype, () => this.#known);
  }

  /** The URL of this workspace's SSE event stream. */
  get eventStreamUrl(): string {
    return `${this.platformUrl}/workspaces/${enc(this.workspaceId)}/events/stream`;
  }

  /** Whether a token is currently held (after `register()`, `token`, or a loaded store). */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  [inspectCustom](): string {
    return `PlatformClient { platformUrl: '${this.platformUrl}', workspaceId: '${this.workspaceId}', token: ${this.#token ? `'${REDACTED}'` : "undefined"} }`;
  }

  toJSON(): object {
    return {
      platformUrl: this.platformUrl,
      workspaceId: this.workspaceId,
      token: this.#token ? REDACTED : undefined,
    };
  }

  /**
   * The path secret of this workspace's push endpoint, derived from its token: the same in every
   * run that holds the same token, so a restarted agent serves the URL it registered before (and a
   * rotated token rotates it). `undefined` while no token is known (before a first registration).
   */
  async pushPathSecret(): Promise<string | undefined> {
    await this.#ensureToken();
    if (this.#token === undefined) return undefined;
    return derivePathSecret(this.#token, `molecule-push-path-secret:v1:${this.workspaceId}`);
  }

  // ---------------------------------------------------------------- internals

  get #known(): string[] {
    return this.#token ? [this.#token] : [];
  }

  async #ensureToken(): Promise<void> {
    if (this.#tokenLoaded) return;
    const stored = await this.#store?.load();
    if (this.#token === undefined && stored) this.#token = stored;
    this.#tokenLoaded = true;
  }

  async #setToken(token: string): Promise<void> {
    await this.#store?.save(token);
    this.#token = token;
    this.#tokenLoaded = true;
  }

  #send(spec: RequestSpec): Promise<HttpResponse> {
    // No extra async hop on the hot path once the token is loaded.
    if (this.#tokenLoaded) return this.#transport.send(spec);
    return this.#ensureToken().then(() => this.#transport.send(spec));
  }

  /**
   * Sends a streamed request; an error status reads the (bounded) error body and raises the typed
   * error for `op`, so callers only ever get a successful stream.
   */
  async #openStream(
    spec: RequestSpec,
    op: string,
  ): Promise<{ res: HttpResponse; stream: Readable }> {
    const res = await this.#send(spec);
    const stream = res.stream as Readable;
    if (!ok(res.status)) {
      const text = await readAll(stream);
      throw await this.#selfFail({ ...res, body: parseMaybeJson(text) }, op, spec.signal);
    }
    return { res, stream };
  }

  #fail(res: HttpResponse, op: string, hints?: Hints): MoleculeError {
    return httpError(res, op, hints, this.#known);
  }

  /** On a 401 for this workspace, checks whether the workspace was removed. */
  async #isRemoved(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.#transport.send({
        method: "GET",
        path: `/workspaces/${enc(this.workspaceId)}`,
        auth: false,
        signal,
        retry: false,
      });
      if (res.status === 410) return true;
      if (res.status === 404) return false;
      const body = res.body as { status?: unknown } | undefined;
      return ok(res.status) && body?.status === "removed";
    } catch {
      return false;
    }
  }

  #removedError(op: string, res?: HttpResponse): WorkspaceRemovedError {
    return new WorkspaceRemovedError(
      `workspace ${this.workspaceId} was removed from the platform (${op}); stop this agent, or create a new workspace and register again`,
      {
        workspaceId: this.workspaceId,
        status: res?.status,
        body: res ? redactDeep(res.body, this.#known) : undefined,
      },
    );
  }

  /** Maps a self-scoped failure: a 401 caused by removal becomes {@link WorkspaceRemovedError}. */
  async #selfFail(
    res: HttpResponse,
    op: string,
    signal?: AbortSignal,
    hints?: Hints,
  ): Promise<MoleculeError> {
    if (res.status === 410) return this.#removedError(op, res);
    if (res.status === 401 && (await this.#isRemoved(signal))) return this.#removedError(op, res);
    return this.#fail(res, op, hints);
  }

  // ---------------------------------------------------------------- registry

  /**
   * Registers the agent (and mints its token on the first call, saved to the token store).
   *
   * Delivery: `deliveryMode` defaults to `"push"` when `url` is given, else `"poll"`. Poll delivery
   * needs a newer platform; the 2026-04 baseline only pushes to an http(s) `url`: when it is
   * detected and `url` is given, the agent is registered for push; without `url` a `MoleculeError`
   * with code `poll_delivery_unsupported` explains what to pass. The result's `deliveryMode` is
   * what the platform did: its echoed `delivery_mode` when it sends one, else (poll requested with
   * a `url`) the capability probe, run after a first registration has minted the token; when the
   * probe fails, `"push"` (a server that does not echo the mode ignores it and pushes to the url).
   */
  async register(options: {
    url?: string | undefined;
    agentCard: AgentCard;
    deliveryMode?: "push" | "poll" | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<RegisterResult> {
    const { url, agentCard, signal } = options ?? ({} as never);
    if (
      !agentCard ||
      typeof agentCard !== "object" ||
      typeof agentCard.name !== "string" ||
      agentCard.name === ""
    ) {
      throw invalid('register needs agentCard with a non-empty name, e.g. { name: "researcher" }');
    }
    if (url !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
        throw invalid(
          `register url must be an absolute http(s) URL the platform can reach; got ${JSON.stringify(url)}`,
        );
      }
    }
    const requested = options.deliveryMode ?? (url ? "push" : "poll");
    if (requested === "push" && !url) {
      throw invalid(
        "push delivery needs the http(s) `url` where the platform can reach this agent's A2A endpoint",
      );
    }
    await this.#ensureToken();
    let caps: PlatformCapabilities | undefined;
    if (this.#token && requested === "poll") {
      caps = await this.capabilities({ signal }).catch(() => undefined);
    }
    let mode: "push" | "poll" = requested;
    if (mode === "poll" && caps && !caps.pollDelivery) {
      if (!url) throw this.#pollUnsupported();
      mode = "push";
      this.#logger?.warn?.(
        "platform has no poll delivery (2026-04 contract); registering for push at the given url",
      );
    }
    const body: Record<string, unknown> = {
      id: this.workspaceId,
      agent_card: agentCard,
      delivery_mode: mode,
    };
    if (url) body.url = url;
    const hadToken = this.#token !== undefined;
    const res = await this.#send({
      method: "POST",
      path: "/registry/register",
      json: body,
      signal,
    });
    if (!ok(res.status)) {
      if (res.status === 400 && !url && mode === "poll") throw this.#pollUnsupported(res);
      throw this.#fail(res, "register", {
        401: hadToken
          ? "register was rejected with 401: the token held for this workspace is invalid (revoked, or the workspace was removed); get a new token from the platform admin"
          : "register was rejected with 401: this workspace already has a token; pass it as `token` or through `tokenStore`",
        400: `register was refused (400 "${errorText(res.body, this.#known) ?? "invalid request body"}"): the platform rejects urls that are not public http(s) addresses it can resolve, and ids that are not UUIDs`,
      });
    }
    const parsed = expectShape(registerResponseSchema, res, "register", { known: this.#known });
    let tokenIssued = false;
    if (parsed.auth_token) {
      await this.#setToken(parsed.auth_token.trim());
      tokenIssued = true;
    }
    const echoed =
      parsed.delivery_mode === "poll" || parsed.delivery_mode === "push"
        ? parsed.delivery_mode
        : undefined;
    let deliveryMode: "push" | "poll";
    if (echoed) deliveryMode = echoed;
    else if (mode === "push" || !url) deliveryMode = mode; // without a url only poll can succeed
    else {
      // Poll was asked for with a url and the server did not say what it did. The baseline ignores
      // delivery_mode and pushes to the url; a first registration could not probe (no token yet).
      const probed = caps ?? (await this.capabilities({ signal }).catch(() => undefined));
      deliveryMode = probed?.pollDelivery ? "poll" : "push";
    }
    if (mode === "poll" && deliveryMode === "push") {
      this.#logger?.warn?.(
        "requested poll delivery but the platform registered push delivery to the given url",
      );
    }
    const result: RegisterResult = { status: parsed.status, tokenIssued, deliveryMode };
    if (parsed.platform_inbound_secret) {
      result.inboundSecret = parsed.platform_inbound_secret;
      hideInInspect(result, ["inboundSecret"]);
    }
    return result;
  }

  #pollUnsupported(res?: HttpResponse): MoleculeError {
    return new MoleculeError(
      "this platform has no poll delivery (the 2026-04 contract needs a push URL): pass `url` (a public http(s) address of this agent's A2A endpoint, e.g. from startA2AServer) or use a newer platform",
      {
        code: "poll_delivery_unsupported",
        status: res?.status,
        body: res ? redactDeep(res.body, this.#known) : undefined,
      },
    );
  }

  /** Sends a heartbeat with an optional task report. Integer fields are sent as integers. */
  async heartbeat(
    report: HeartbeatReport = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const uptime = report.uptimeSeconds ?? (performance.now() - this.#started) / 1000;
    const bodyText =
      `{"workspace_id":${JSON.stringify(this.workspaceId)}` +
      `,"active_tasks":${toInt(report.activeTasks, "activeTasks") ?? 0}` +
      `,"current_task":${JSON.stringify(report.currentTask ?? "")}` +
      `,"error_rate":${Number.isFinite(report.errorRate) ? Number(report.errorRate) : 0}` +
      `,"sample_error":${JSON.stringify(report.sampleError ?? "")}` +
      `,"uptime_seconds":${toInt(uptime, "uptimeSeconds") ?? 0}` +
      (report.runtimeState !== undefined
        ? `,"runtime_state":${JSON.stringify(report.runtimeState)}`
        : "") +
      "}";
    const res = await this.#send({
      method: "POST",
      path: this.#heartbeatPath,
      bodyText,
      signal: options.signal,
    });
    if (!ok(res.status)) throw await this.#selfFail(res, "heartbeat", options.signal);
  }

  /** Updates the agent card the platform shows and serves to peers. */
  async updateAgentCard(card: AgentCard, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!card || typeof card !== "object")
      throw invalid("updateAgentCard needs an agent card object");
    const res = await this.#send({
      method: "POST",
      path: "/registry/update-card",
      json: { workspace_id: this.workspaceId, agent_card: card },
      signal: options.signal,
    });
    if (!ok(res.status)) throw await this.#selfFail(res, "updateAgentCard", options.signal);
  }

  // ---------------------------------------------------------------- state, secrets, workspace

  /**
   * The workspace's lifecycle state. A removed workspace yields `removed: true` whether the
   * platform says so with a 404 `deleted` body, a 410, or (baseline, after delete) a 401 for the
   * revoked token. An empty 404 (a SaaS edge rejecting the request) is an error, not a removal.
   */
  async getState(options: { signal?: AbortSignal } = {}): Promise<WorkspaceState> {
    const res = await this.#send({
      method: "GET",
      path: `/workspaces/${enc(this.workspaceId)}/state`,
      signal: options.signal,
    });
    const body = res.body as { deleted?: unknown; status?: unknown } | undefined;
    if (
      res.status === 410 ||
      (res.status === 404 &&
        typeof body === "object" &&
        body !== null &&
        (body.deleted === true || body.status === "removed"))
    ) {
      return { status: "removed", paused: false, removed: true };
    }
    if (res.status === 401 && (await this.#isRemoved(options.signal))) {
      return { status: "removed", paused: false, removed: true };
    }
    if (!ok(res.status)) throw this.#fail(res, "getState");
    const s = expectShape(stateResponseSchema, res, "getState");
    const status = s.status ?? (s.deleted ? "removed" : "unknown");
    const removed = s.deleted === true || status === "removed";
    return { status, paused: s.paused === true || status === "paused", removed };
  }

  /** The workspace's decrypted secrets (`GET /workspaces/:id/secrets/values`). */
  async pullSecrets(options: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
    const res = await this.#send({
      method: "GET",
      path: `/workspaces/${enc(this.workspaceId)}/secrets/values`,
      signal: options.signal,
    });
    if (!ok(res.status)) throw await this.#selfFail(res, "pullSecrets", options.signal);
    if (res.body === undefined || res.body === null) return {};
    const values = expectShape(secretsSchema, res, "pullSecrets", { includeBody: false });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) out[k] = String(v);
    return out;
  }

  /**
   * A workspace as the platform describes it (default: this one). A removed workspace raises
   * {@link WorkspaceRemovedError}, whether the platform answers 410 or 200 with `status: "removed"`.
   */
  async getWorkspace(id?: string, options: { signal?: AbortSignal } = {}): Promise<WorkspaceInfo> {
    const wid = id === undefined ? this.workspaceId : requireId(id, "id");
    const res = await this.#send({
      method: "GET",
      path: `/workspaces/${enc(wid)}`,
      signal: options.signal,
    });
    if (res.status === 410) {
      throw new WorkspaceRemovedError(`workspace ${wid} was removed from the platform`, {
        workspaceId: wid,
        status: 410,
        body: redactDeep(res.body, this.#known),
      });
    }
    if (!ok(res.status))
      throw this.#fail(res, "getWorkspace", {
        404: `workspace ${wid} does not exist on this platform`,
      });
    const ws = expectShape(workspaceSchema, res, "getWorkspace", { known: this.#known });
    if (ws.status === "removed") {
      throw new WorkspaceRemovedError(`workspace ${wid} was removed from the platform`, {
        workspaceId: wid,
        status: res.status,
        body: redactDeep(res.body, this.#known),
      });
    }
    return ws;
  }

  // ---------------------------------------------------------------- discovery

  /**
   * The peers this workspace may talk to (cached for 30 s per query; `fresh: true` bypasses the
   * cache). `q` keeps those whose name or role contains it (case-insensitive); on the April-2026
   * platform, whose filter fails when a peer has no role, and on a `500` to `q`, it is applied
   * locally to the full list.
   */
  async listPeers(
    options: { q?: string; signal?: AbortSignal; fresh?: boolean } = {},
  ): Promise<Peer[]> {
    const key = options.q ?? "";
    const now = performance.now();
    const hit = this.#peersCache.get(key);
    if (!options.fresh && hit && hit.expires > now) return hit.value.map((p) => ({ ...p }));
    const q = options.q || undefined;
    // The baseline's `q` filter answers 500 when a peer has no role: filter locally there.
    const caps = q ? await this.capabilities(options).catch(() => undefined) : undefined;
    let peers: Peer[];
    if (q && caps?.compat === "2026-04") peers = await this.#filterLocally(q, options);
    else {
      const res = await this.#send({
        method: "GET",
        path: `/registry/${enc(this.workspaceId)}/peers`,
        query: { q },
        headers: this.#selfHeaders,
        signal: options.signal,
      });
      if (q && res.status === 500) peers = await this.#filterLocally(q, options);
      else if (!ok(res.status)) throw await this.#selfFail(res, "listPeers", options.signal);
      else peers = expectShape(peersSchema, res, "listPeers", { known: this.#known }).map(toPeer);
    }
    // Bounded: the query may come from a model (a list_peers tool), so keys are not under our control.
    if (this.#peersCache.size >= 64) this.#peersCache.clear();
    this.#peersCache.set(key, { value: peers, expires: now + Math.min(30_000, this.#peerTtlMs) });
    return peers.map((p) => ({ ...p }));
  }

  async #filterLocally(q: string, options: { signal?: AbortSignal; fresh?: boolean }) {
    const all = await this.listPeers({ signal: options.signal, fresh: options.fresh });
    return filterPeers(all, q);
  }

  /** Resolves a peer's A2A URL (`GET /registry/discover/:id`), cached for `peerCacheTtlMs`. */
  async discoverPeer(
    id: string,
    options: { signal?: AbortSignal; fresh?: boolean } = {},
  ): Promise<DiscoveredPeer> {
    const peerId = requireId(id, "peer id");
    const now = performance.now();
    const hit = this.#discoverCache.get(peerId);
    if (!options.fresh && hit && hit.expires > now) return { ...hit.value };
    if (hit) this.#discoverCache.delete(peerId);
    const res = await this.#send({
      method: "GET",
      path: `/registry/discover/${enc(peerId)}`,
      headers: this.#selfHeaders,
      signal: options.signal,
    });
    if (!ok(res.status)) {
      throw this.#fail(res, "discoverPeer", {
        403: `workspace ${this.workspaceId} may not talk to ${peerId} (403): the platform's hierarchy rules only allow siblings, parent/children and root workspaces`,
        404: `peer workspace ${peerId} does not exist`,
        503: `peer workspace ${peerId} is not available right now (503 "${errorText(res.body, this.#known) ?? ""}"); it may be offline or paused`,
      });
    }
    const d = expectShape(discoverSchema, res, "discoverPeer");
    const value: DiscoveredPeer = { id: d.id, url: d.url, name: d.name ?? d.id };
    this.#discoverCache.set(peerId, { value, expires: now + this.#peerTtlMs });
    return { ...value };
  }

  /** Forgets cached peer data: one peer's discovered URL, or (without id) every cached entry. */
  invalidatePeer(id?: string): void {
    if (id === undefined) {
      this.#discoverCache.clear();
      this.#peersCache.clear();
      this.#protocols.clear();
      return;
    }
    this.#discoverCache.delete(UUID.test(id) ? id.toLowerCase() : id);
    this.#protocols.delete(UUID.test(id) ? id.toLowerCase() : id);
    this.#peersCache.clear();
  }

  // ---------------------------------------------------------------- A2A

  /**
   * Sends an A2A message to a peer, through the platform proxy by default: v0.3 `message/send`,
   * or v1.0 `SendMessage` (`A2A-Version: 1.0`) for a peer whose agent card advertises only A2A 1.x
   * JSON-RPC (see {@link PeerCallOptions.protocol}; a rejected protocol is retried once in the
   * other). A busy peer (`202 queued`) yields `{ status: "queued" }`. Peer failures raise
   * {@link MoleculePeerError}; 401/403 raise {@link MoleculeAuthError}. `via: "direct"` posts to the
   * peer's discovered URL with no platform credential at all. The platform proxy forwards only
   * the body: a peer that insists on the `A2A-Version` header is reachable only `via: "direct"`.
   */
  async callPeer(
    peerId: string,
    message: string | { text?: string; parts?: A2APart[] | unknown[] },
    options: PeerCallOptions = {},
  ): Promise<PeerCallResult> {
    const target = requireId(peerId, "peerId");
    const input = typeof message === "string" ? { text: message } : (message ?? {});
    const hasText = typeof input.text === "string" && input.text !== "";
    const hasParts = Array.isArray(input.parts) && input.parts.length > 0;
    if (!hasText && !hasParts) throw invalid("callPeer needs a non-empty message (text or parts)");
    const req = buildMessageSendRequest({
      text: input.text,
      parts: input.parts,
      role: "user",
      messageId: options.messageId,
      contextId: options.contextId,
      taskId: options.taskId,
      metadata: { ...this.#senderHint, ...options.metadata },
    });
    if (req.params.message.parts.length === 0)
      throw invalid("callPeer: none of the given parts is a valid A2A part");
    const messageId = req.params.message.messageId;
    const timeoutMs = options.timeoutMs ?? this.#peerTimeoutMs;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
      throw invalid(`callPeer timeoutMs must be a positive number; got ${String(timeoutMs)}`);
    const forced = options.protocol;
    if (forced !== undefined && forced !== "0.3" && forced !== "1.0")
      throw invalid(`callPeer protocol must be "0.3" or "1.0"; got ${JSON.stringify(forced)}`);
    const signal = options.signal;
    const via = options.via === "direct" ? "direct" : "proxy";
    const peerUrl =
      via === "direct" ? (await this.discoverPeer(target, { signal })).url : undefined;
    const deadline = performance.now() + timeoutMs;
    const remaining = (): number => Math.max(1, Math.ceil(deadline - performance.now()));
    let protocol = forced ?? this.#knownProtocol(target);
    if (protocol === undefined && peerUrl !== undefined) {
      const card = await fetchPeerCard(this.#transport.dispatcher, peerUrl, {
        signal,
        timeoutMs: Math.min(5_000, remaining()),
        userAgent: this.#userAgent,
      });
      protocol = peerProtocolFromCard(card);
      if (protocol !== undefined) this.#rememberProtocol(target, protocol);
    }
    const send = async (version: A2AProtocolVersion): Promise<HttpResponse> => {
      const bodyText = JSON.stringify(version === "1.0" ? toSendMessageRequestV1(req) : req);
      if (peerUrl === undefined) {
        return await this.#peerPost(target, bodyText, remaining(), signal, {
          reportMs: timeoutMs,
          ...(version === "1.0" ? { a2aVersion: "1.0" as const } : {}),
        });
      }
      try {
        return await postToPeer(this.#transport.dispatcher, peerUrl, bodyText, {
          peerId: target,
          signal,
          timeoutMs: remaining(),
          userAgent: this.#userAgent,
          ...(version === "1.0" ? { a2aVersion: "1.0" as const } : {}),
        });
      } catch (err) {
        if (err instanceof MoleculePeerError && err.code === "peer_unreachable")
          this.invalidatePeer(target);
        throw err;
      }
    };
    let used: A2AProtocolVersion = protocol ?? "0.3";
    let res = await send(used);
    let fellBack = false;
    if (forced === undefined) {
      const code = rpcErrorCode(res);
      const other =
        used === "0.3" && (code === -32601 || code === -32009)
          ? "1.0"
          : used === "1.0" && code === -32601
            ? "0.3"
            : undefined;
      if (other !== undefined) {
        this.#logger?.debug?.(
          `callPeer: peer ${target} rejected A2A ${used} (${code}); retrying once in ${other}`,
        );
        used = other;
        fellBack = true;
        res = await send(used);
      }
      if (ok(res.status) && rpcErrorCode(res) === undefined) this.#rememberProtocol(target, used);
    }
    return this.#peerResult(target, messageId, res, via, { protocol: used, fellBack });
  }

  /** The protocol last seen working for a peer, or read from its cached `listPeers` card. */
  #knownProtocol(peerId: string): A2AProtocolVersion | undefined {
    const now = performance.now();
    const hit = this.#protocols.get(peerId);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.#protocols.delete(peerId);
    for (const entry of this.#peersCache.values()) {
      if (entry.expires <= now) continue;
      const peer = entry.value.find((p) => p.id === peerId);
      if (peer) return peerProtocolFromCard(peer.agentCard);
    }
    return undefined;
  }

  #rememberProtocol(peerId: string, value: A2AProtocolVersion): void {
    if (this.#protocols.size >= 1_000) this.#protocols.clear();
    this.#protocols.set(peerId, { value, expires: performance.now() + this.#peerTtlMs });
  }

  async #peerPost(
    target: string,
    bodyText: string,
    timeoutMs: number,
    signal?: AbortSignal,
    extra: { reportMs?: number; a2aVersion?: "1.0" } = {},
  ): Promise<HttpResponse> {
    try {
      return await this.#send({
        method: "POST",
        path: `/workspaces/${enc(target)}/a2a`,
        bodyText,
        headers: extra.a2aVersion
          ? { ...this.#selfPeerHeaders, [A2A_VERSION_HEADER]: extra.a2aVersion }
          : this.#selfPeerHeaders,
        signal,
        timeoutMs,
        maxBytes: MAX_PEER_RESPONSE_BYTES,
      });
    } catch (err) {
      if (err instanceof MoleculeError && err.code === "response_too_large") {
        throw new MoleculePeerError(
          `peer ${target} answered with more than ${MAX_PEER_RESPONSE_BYTES} bytes through the platform; the answer was discarded`,
          { peerId: target, code: "peer_response_too_large", cause: err },
        );
      }
      if (err instanceof MoleculeTimeoutError) {
        throw new MoleculePeerError(
          `peer ${target} did not answer within ${extra.reportMs ?? timeoutMs} ms; the platform may still deliver the message (de-duplicate by messageId) — raise timeoutMs for long tasks`,
          { peerId: target, code: "peer_timeout", retryable: true, cause: err },
        );
      }
      throw err;
    }
  }

  #peerResult(
    peerId: string,
    messageId: string,
    res: HttpResponse,
    via: "proxy" | "direct",
    info: { protocol: A2AProtocolVersion; fellBack: boolean } = {
      protocol: "0.3",
      fellBack: false,
    },
  ): PeerCallResult {
    const body = res.body;
    if (res.status === 202) {
      const q = parseWire(queuedSchema, body);
      if (q.ok) {
        const out: PeerCallResult = {
          status: "queued",
          queueId: q.value.queue_id ?? "",
          deliveryMode: q.value.delivery_mode === "poll" ? "poll" : "push",
          raw: body,
          peerId,
          messageId,
        };
        if (q.value.queue_depth !== undefined) out.queueDepth = q.value.queue_depth;
        return out;
      }
    }
    if (!ok(res.status)) throw this.#peerFailure(peerId, res, via);
    const rpc = parseWire(jsonRpcResponseSchema, body);
    if (rpc.ok && rpc.value.error) {
      const e = rpc.value.error;
      let hint = "";
      if (e.code === -32009 && via === "proxy") {
        hint =
          '; the peer requires the A2A-Version: 1.0 header, which the platform proxy does not forward: call it with via: "direct", or have the peer accept A2A 0.3 (e.g. legacyCompat in @a2a-js/sdk)';
      } else if ((e.code === -32601 || e.code === -32009) && info.fellBack) {
        hint = "; it rejected both A2A 0.3 (message/send) and 1.0 (SendMessage)";
      } else if (e.code === -32601 || e.code === -32009) {
        hint = `; it does not accept A2A ${info.protocol} (pass protocol: "${info.protocol === "1.0" ? "0.3" : "1.0"}" or leave protocol unset to fall back)`;
      }
      const said = e.message ? ` "${redactText(clip(e.message), this.#known)}"` : "";
      throw new MoleculePeerError(
        `peer ${peerId} answered JSON-RPC error ${e.code}${said}${hint}`,
        {
          peerId,
          code: "peer_rpc_error",
          rpcCode: e.code,
          status: res.status,
          body: redactDeep(body, this.#known),
        },
      );
    }
    const result = rpc.ok && "result" in rpc.value ? rpc.value.result : body;
    const summary = summarizeA2AResult(result);
    const out: PeerCallResult = {
      status: summary.status,
      text: summary.text,
      raw: body,
      peerId,
      messageId,
      protocol: info.protocol,
    };
    if (summary.contextId) out.contextId = summary.contextId;
    if (summary.taskId) out.taskId = summary.taskId;
    return out;
  }

  #peerFailure(peerId: string, res: HttpResponse, via: "proxy" | "direct"): MoleculeError {
    const status = res.status;
    const detail = errorText(res.body, this.#known);
    const said = detail ? ` "${detail}"` : "";
    const body = redactDeep(res.body, this.#known);
    if (via === "proxy") {
      if (status === 401) {
        return new MoleculeAuthError(
          `the platform rejected this workspace's token for the peer call (401${said}); check the token, or whether this workspace was removed`,
          { status, body },
        );
      }
      if (status === 403) {
        return new MoleculeAuthError(
          `workspace ${this.workspaceId} may not talk to ${peerId} (403${said}): the platform's hierarchy rules only allow siblings, parent/children and root workspaces`,
          { status, body },
        );
      }
      if (status === 404 && detail === "workspace not found") {
        return new MoleculeNotFoundError(`peer workspace ${peerId} does not exist (404)`, { body });
      }
      if (status === 404) {
        // Relayed from the peer's own endpoint: the platform holds a URL the peer no longer serves.
        return new MoleculePeerError(
          `peer ${peerId} exists, but its own endpoint answered 404${said} at the URL the platform holds for it: that URL is stale (the peer restarted on another port or path secret, and the April-2026 platform keeps an existing http://127.0.0.1… URL on re-register); the peer must register a URL it serves (see docs/platform-versions.md)`,
          { peerId, code: "peer_url_stale", status, retryable: false, body },
        );
      }
      if (status === 400 || status === 402 || status === 429) return this.#fail(res, "callPeer");
    }
    if (status === 502) {
      return new MoleculePeerError(
        `peer ${peerId} is unreachable (502${said}); it may be offline — try later`,
        {
          peerId,
          code: "peer_unreachable",
          status,
          retryable: true,
          body,
        },
      );
    }
    if (status === 503) {
      return new MoleculePeerError(
        `peer ${peerId} is not available (503${said}); it may be paused, have no URL, or be busy — try later`,
        { peerId, code: "peer_unavailable", status, retryable: true, body },
      );
    }
    if (status === 504) {
      return new MoleculePeerError(`peer ${peerId} timed out (504${said})`, {
        peerId,
        code: "peer_timeout",
        status,
        retryable: true,
        body,
      });
    }
    return new MoleculePeerError(`peer ${peerId} answered HTTP ${status}${said}`, {
      peerId,
      code: "peer_error",
      status,
      retryable: status >= 500,
      body,
    });
  }

  /**
   * Delegates a task asynchronously (`POST /workspaces/<self>/delegate`). The idempotency key
   * defaults to `makeIdempotencyKey("<targetId>:<task>")`, so the same task to two targets no
   * longer collides; because of the key the request is retried on 429/502/503/connection errors.
   */
  async delegate(
    targetId: string,
    task: string,
    options: { idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<DelegationResult> {
    const target = requireId(targetId, "targetId");
    if (typeof task !== "string" || task.trim() === "")
      throw invalid("delegate needs a non-empty task");
    if (target === this.workspaceId) throw invalid("a workspace cannot delegate to itself");
    const key = options.idempotencyKey || makeIdempotencyKey(`${target}:${task}`);
    const res = await this.#send({
      method: "POST",
      path: `/workspaces/${enc(this.workspaceId)}/delegate`,
      json: { target_id: target, task, idempotency_key: key },
      headers: this.#selfHeaders,
      retry: true,
      signal: options.signal,
    });
    if (!ok(res.status)) throw await this.#selfFail(res, "delegate", options.signal);
    const d = expectShape(delegateSchema, res, "delegate");
    return {
      delegationId: d.delegation_id,
      status: d.status,
      targetId: d.target_id ?? target,
      idempotentHit: d.idempotent_hit === true,
    };
  }

  // ---------------------------------------------------------------- inbound

  /**
   * Reads activity rows, oldest first, in both contracts. With cursors (newer servers) the rows
   * strictly after `sinceId` are returned and a stale cursor raises {@link CursorLostError}. On
   * the baseline the newest `limit` rows are returned reversed; `sinceId`, `peerId` and `beforeTs`
   * are applied client-side (rows up to `sinceId` are cut when it is in the window), so callers
   * must still de-duplicate by `activityId`.
   */
  async fetchActivity(options: FetchInboundOptions = {}): Promise<ActivityPage> {
    const caps = await this.capabilities({ signal: options.signal });
    // The baseline only ever returns the newest rows: take its maximum page to narrow gaps.
    const limit = toInt(options.limit ?? (caps.cursors ? 100 : 500), "limit") || 100;
    const beforeTs =
      options.beforeTs instanceof Date ? options.beforeTs.toISOString() : options.beforeTs;
    const query: Record<string, string | number | undefined> = {
      type: options.type ?? "a2a_receive",
      limit,
    };
    if (caps.cursors) {
      query.since_id = options.sinceId || undefined;
      query.since_secs = options.sinceId ? undefined : toInt(options.sinceSecs, "sinceSecs");
      query.peer_id = options.peerId || undefined;
      query.before_ts = beforeTs || undefined;
    }
    const res = await this.#send({
      method: "GET",
      path: `/workspaces/${enc(this.workspaceId)}/activity`,
      query,
      signal: options.signal,
    });
    if (res.status === 410 && options.sinceId) {
      throw new CursorLostError(
        `activity cursor ${options.sinceId} is no longer valid (410); drop it and re-seed (e.g. with sinceSecs)`,
        { cursor: options.sinceId, body: redactDeep(res.body, this.#known) },
      );
    }
    if (!ok(res.status)) throw await this.#selfFail(res, "fetchInbound", options.signal);
    const list = expectShape(activityListSchema, res, "fetchInbound");
    const items = Array.isArray(list) ? list : list.items;
    let rows: WireActivityRow[] = [];
    for (const item of items) {
      const r = parseWire(activityRowSchema, item);
      if (r.ok) rows.push(r.value);
    }
    // Without a cursor or window both contracts answer newest-first: reverse to oldest-first.
    const windowed =
      caps.cursors && (query.since_id !== undefined || query.since_secs !== undefined);
    if (!windowed) rows.reverse();
    let gap = false;
    if (!caps.cursors) {
      if (options.sinceId) {
        const at = rows.findIndex((r) => r.id === options.sinceId);
        if (at !== -1) rows = rows.slice(at + 1);
        else gap = rows.length > 0;
      } else if (options.sinceSecs !== undefined) {
        // A backfill window: the newest-first listing is all this platform has; when it is full
        // and still inside the window, older rows of the window are out of its reach.
        const from = Date.now() - toInt(options.sinceSecs, "sinceSecs")! * 1000;
        const inWindow = (r: WireActivityRow): boolean =>
          !r.created_at || !(Date.parse(r.created_at) < from);
        gap = items.length >= limit && rows.length > 0 && inWindow(rows[0]!);
        rows = rows.filter(inWindow);
      }
      if (options.peerId) rows = rows.filter((r) => r.source_id === options.peerId);
      if (beforeTs) {
        const limitTs = Date.parse(beforeTs);
        if (Number.isFinite(limitTs))
          rows = rows.filter((r) => !r.created_at || Date.parse(r.created_at) < limitTs);
      }
    }
    const messages: InboundMessage[] = [];
    for (const row of rows) {
      const m = parseActivityRow(row);
      if (m) messages.push(m);
    }
    return {
      messages,
      rows,
      nextCursor: rows.length > 0 ? rows[rows.length - 1]?.id : options.sinceId,
      cursorSupported: caps.cursors,
      hasMore: windowed && items.length >= limit,
      gap,
    };
  }

  /** Inbound messages, oldest first, own `/notify` echoes removed. See {@link fetchActivity}. */
  async fetchInbound(options: FetchInboundOptions = {}): Promise<InboundMessage[]> {
    return (await this.fetchActivity(options)).messages;
  }

  /**
   * Replies to an inbound message: a canvas user gets a `/notify`; a peer gets an A2A
   * `message/send` through the platform proxy marked as an answer (role `agent`, the same
   * `contextId`, metadata `molecule_in_reply_to: <inbound messageId>`; see docs/protocol.md).
   * `messageId` fixes the answer's id (the reply outbox resends under the same id). Empty text and
   * messages of unknown source are rejected before any request.
   */
  async reply(
    inbound: InboundMessage,
    text: string,
    options: { signal?: AbortSignal; messageId?: string } = {},
  ): Promise<void> {
    if (typeof text !== "string" || text.trim() === "") throw invalid("reply needs non-empty text");
    if (!inbound || typeof inbound !== "object")
      throw invalid("reply needs the InboundMessage being answered");
    if (inbound.source === "canvas_user") {
      await this.notify(text, { signal: options.signal });
      return;
    }
    if (inbound.source !== "peer_agent" || !inbound.sourceId) {
      throw invalid(
        "cannot reply to a message whose sender is unknown (no canvas user, no peer id); answer pushed messages in the A2A response instead",
      );
    }
    const target = requireId(inbound.sourceId, "sourceId");
    const req = buildMessageSendRequest({
      text,
      role: "agent",
      contextId: inbound.contextId,
      messageId: options.messageId,
      metadata:
        inbound.messageId === undefined
          ? this.#senderHint
          : { ...this.#senderHint, [IN_REPLY_TO_KEY]: inbound.messageId },
    });
    const res = await this.#peerPost(
      target,
      JSON.stringify(req),
      this.#peerTimeoutMs,
      options.signal,
    );
    this.#peerResult(target, req.params.message.messageId, res, "proxy");
  }

  /** Posts a chat message to the canvas (`POST /workspaces/:id/notify`), optionally with attachments. */
  async notify(
    text: string,
    options: { attachments?: NotifyAttachment[]; signal?: AbortSignal } = {},
  ): Promise<void> {
    if (typeof text !== "string" || text.trim() === "")
      throw invalid("notify needs non-empty text");
    const body: Record<string, unknown> = { message: text };
    if (options.attachments && options.attachments.length > 0) {
      options.attachments.forEach((a, i) => {
        if (
          !a ||
          typeof a.uri !== "string" ||
          a.uri === "" ||
          typeof a.name !== "string" ||
          a.name === ""
        ) {
          throw invalid(`notify attachment[${i}] needs a non-empty uri and name`);
        }
      });
      body.attachments = options.attachments;
    }
    const res = await this.#send({
      method: "POST",
      path: `/workspaces/${enc(this.workspaceId)}/notify`,
      json: body,
      signal: options.signal,
    });
    if (!ok(res.status)) throw await this.#selfFail(res, "notify", options.signal);
  }

  // ---------------------------------------------------------------- capabilities, events

  /**
   * Probes once what the platform supports and caches the answer: `since_id` cursors (a zero
   * cursor answers 410 on newer servers, 200 on the baseline), poll delivery (same servers), and
   * the SSE event stream. A failed probe is not cached.
   */
  capabilities(options: { signal?: AbortSignal } = {}): Promise<PlatformCapabilities> {
    if (!this.#caps) {
      const p = this.#probe(options.signal);
      this.#caps = p;
      p.catch(() => {
        if (this.#caps === p) this.#caps = undefined;
      });
    }
    return this.#caps;
  }

  async #probe(signal?: AbortSignal): Promise<PlatformCapabilities> {
    const [cursorRes, events] = await Promise.all([
      this.#send({
        method: "GET",
        path: `/workspaces/${enc(this.workspaceId)}/activity`,
        query: { since_id: ZERO_CURSOR, limit: 1 },
        signal,
      }),
      this.#probeEvents(signal),
    ]);
    let cursors: boolean;
    if (cursorRes.status === 410) cursors = true;
    else if (ok(cursorRes.status)) cursors = false;
    else throw await this.#selfFail(cursorRes, "capabilities", signal);
    return {
      cursors,
      pollDelivery: cursors,
      eventStream: events === true,
      ...(typeof events === "string" ? { eventStreamError: events } : {}),
      compat: cursors ? "latest" : "2026-04",
    };
  }

  /** Whether the SSE stream answers, or why the probe failed (a string). */
  async #probeEvents(signal?: AbortSignal): Promise<boolean | string> {
    try {
      const res = await this.#send({
        method: "GET",
        path: `/workspaces/${enc(this.workspaceId)}/events/stream`,
        headers: { accept: "text/event-stream" },
        stream: true,
        retry: false,
        timeoutMs: 5_000,
        signal,
      });
      res.stream?.on("error", () => undefined);
      res.stream?.destroy();
      const type = String(res.headers["content-type"] ?? "");
      return ok(res.status) && type.includes("text/event-stream");
    } catch (err) {
      if (signal?.aborted) throw err;
      return err instanceof Error ? err.message : String(err);
    }
  }

  /**
   * Opens this workspace's SSE event stream (`GET /workspaces/:id/events/stream`) with the
   * platform credentials. Error statuses raise typed errors. Close it with `close()` or the signal.
   */
  async openEventStream(options: { signal?: AbortSignal } = {}): Promise<EventStream> {
    const { stream } = await this.#openStream(
      {
        method: "GET",
        path: `/workspaces/${enc(this.workspaceId)}/events/stream`,
        headers: { accept: "text/event-stream" },
        stream: true,
        retry: false,
        signal: options.signal,
      },
      "openEventStream",
    );
    stream.on("error", () => undefined);
    return { body: stream, close: () => stream.destroy() };
  }

  // ---------------------------------------------------------------- tokens

  /** Lists this workspace's live tokens (ids and prefixes; never the tokens). */
  async listTokens(options: { signal?: AbortSignal } = {}): Promise<TokenInfo[]> {
    const res = await this.#send({
      method: "GET",
      path: `/workspaces/${enc(this.workspaceId)}/tokens`,
      query: { limit: 200 },
      signal: options.signal,
    });
    if (!ok(res.status)) throw await this.#selfFail(res, "listTokens", options.signal);
    const list = expectShape(tokenListSchema, res, "listTokens");
    return list.tokens.map((t) => ({
      id: t.id,
      prefix: t.prefix ?? "",
      createdAt: t.created_at ?? null,
      lastUsedAt: t.last_used_at ?? null,
    }));
  }

  /** Mints an additional token for this workspace. The client keeps using its current token. */
  async createToken(options: { signal?: AbortSignal } = {}): Promise<IssuedToken> {
    const res = await this.#send({
      method: "POST",
      path: `/workspaces/${enc(this.workspaceId)}/tokens`,
      signal: options.signal,
    });
    if (!ok(res.status)) {
      throw await this.#selfFail(res, "createToken", options.signal, {
        429: "createToken: the workspace already has the maximum of 50 live tokens; revoke some first",
      });
    }
    const t = expectShape(createTokenSchema, res, "createToken", { includeBody: false });
    return hideInInspect({ token: t.auth_token, workspaceId: t.workspace_id ?? this.workspaceId }, [
      "token",
    ]);
  }

  /** Revokes one token by id. */
  async revokeToken(tokenId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const id = requireId(tokenId, "tokenId", "take it from listTokens()");
    const res = await this.#send({
      method: "DELETE",
      path: `/workspaces/${enc(this.workspaceId)}/tokens/${enc(id)}`,
      signal: options.signal,
    });
    if (!ok(res.status)) {
      throw await this.#selfFail(res, "revokeToken", options.signal, {
        404: `token ${id} does not exist or is already revoked`,
      });
    }
  }

  /**
   * Rotates the workspace token without deleting the workspace: mints a new token, saves it to the
   * token store, switches to it, then revokes the old one, found by the `prefix` the platform lists
   * for each token (whatever its length). When no listed token or more than one matches, nothing
   * is revoked and the result says why (`oldToken`, `candidateIds`): the new token is active
   * either way; revoke the old one with {@link revokeToken}.
   */
  async rotateToken(options: { signal?: AbortSignal } = {}): Promise<RotateTokenResult> {
    await this.#ensureToken();
    const old = this.#token;
    if (!old) throw invalid("rotateToken needs a current token; register first or pass `token`");
    const before = await this.listTokens(options);
    const issued = await this.createToken(options);
    await this.#setToken(issued.token);
    const matches = before.filter((t) => t.prefix !== "" && old.startsWith(t.prefix));
    if (matches.length !== 1) {
      const oldToken = matches.length === 0 ? "not_found" : "ambiguous";
      this.#logger?.warn?.(
        `rotateToken: the new token is active, but the old token was not revoked: ${
          oldToken === "ambiguous"
            ? `${matches.length} live tokens share its prefix`
            : "no live token has its prefix"
        }; revoke it with revokeToken(id)`,
      );
      return { revokedTokenId: undefined, oldToken, candidateIds: matches.map((t) => t.id) };
    }
    const oldId = (matches[0] as TokenInfo).id;
    await this.revokeToken(oldId, options);
    return { revokedTokenId: oldId, oldToken: "revoked", candidateIds: [oldId] };
  }

  // ---------------------------------------------------------------- plugins

  /**
   * Downloads a plugin tarball (`GET /workspaces/:id/plugins/:name/download`), streaming: the body
   * is not buffered. Error statuses raise typed errors.
   */
  async downloadPlugin(
    name: string,
    options: { source?: string; signal?: AbortSignal } = {},
  ): Promise<{ body: Readable; contentLength?: number }> {
    if (typeof name !== "string" || name === "" || /[/\\]|\.\./.test(name)) {
      throw invalid(`invalid plugin name ${JSON.stringify(name)}: no "/", "\\" or ".."`);
    }
    const { res, stream } = await this.#openStream(
      {
        method: "GET",
        path: `/workspaces/${enc(this.workspaceId)}/plugins/${enc(name)}/download`,
        query: { source: options.source },
        headers: { accept: "application/gzip, application/json" },
        stream: true,
        signal: options.signal,
      },
      `downloadPlugin(${name})`,
    );
    const len = Number(res.headers["content-length"]);
    const out: { body: Readable; contentLength?: number } = { body: stream };
    if (Number.isFinite(len) && len >= 0) out.contentLength = len;
    return out;
  }

  /**
   * Best effort: tells the platform a plugin was installed (`POST /workspaces/:id/plugins`).
   * Returns `false` on any HTTP error or network failure (external workspaces get 503); never throws
   * except for an aborted signal.
   */
  async recordPluginInstall(
    name: string,
    options: { source?: string; signal?: AbortSignal } = {},
  ): Promise<boolean> {
    try {
      const res = await this.#send({
        method: "POST",
        path: `/workspaces/${enc(this.workspaceId)}/plugins`,
        json: { source: options.source ?? `local://${name}` },
        signal: options.signal,
      });
      if (!ok(res.status)) {
        this.#logger?.debug?.(`recordPluginInstall(${name}) -> ${res.status}`);
        return false;
      }
      return true;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      return false;
    }
  }

  /** Releases the client's connection pools (never closes a dispatcher you passed). */
  async close(): Promise<void> {
    await this.#transport.close();
  }
}

/** The JSON-RPC error code of a 2xx peer answer, if it is one. */
function rpcErrorCode(res: HttpResponse): number | undefined {
  if (!ok(res.status)) return undefined;
  const rpc = parseWire(jsonRpcResponseSchema, res.body);
  return rpc.ok && rpc.value.error ? rpc.value.error.code : undefined;
}

/** Reads an error body, at most 64 KiB: the rest is not waited for (the stream is destroyed). */
async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(b);
    size += b.length;
    if (size >= 65_536) {
      stream.on("error", () => undefined);
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, 65_536);
}

function parseMaybeJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
