// PlatformClient: one method per platform endpoint a remote agent uses. A thin facade: each call
// is a function of the piece that owns it, given the client's shared PlatformSession.
import type { Readable } from "node:stream";
import type { A2APart, AgentCard } from "../a2a/index.js";
import { tracePeerSend } from "../observability/index.js";
import { inspectCustom, REDACTED } from "../transport/index.js";
import type { MoleculeError } from "../transport/index.js";
import { ackActivity, fetchActivityRows } from "./activity.js";
import type { ActivityRows, FetchInboundOptions } from "./activity.js";
// Endpoints an agent may never call: their modules load on the first call (on-demand.ts).
import { commitMemory, deleteMemory, searchMemories, getQueuedCall } from "./on-demand.js";
import { createApproval, decideOwnApproval, listApprovals } from "./on-demand.js";
import { createToken, listTokens, revokeToken, rotateToken } from "./on-demand.js";
import { downloadPlugin, recordPluginInstall, fetchTranscript, listTraces } from "./on-demand.js";
import { listDelegations, recordDelegation, updateDelegation, searchSession } from "./on-demand.js";
import type { ApprovalDecision, ApprovalRecord, ApprovalRequestInput } from "./approvals.js";
import type {
  DelegationRecord,
  DelegationRecordInput,
  DelegationUpdate,
} from "./delegation-records.js";
import type { CommitMemoryInput, Memory, MemoryScope, SearchMemoriesOptions } from "./memories.js";
import type { SessionHit, TranscriptPage } from "./session-views.js";
import { capabilities, openEventStream } from "./capabilities.js";
import { AGENT_HOOKS, AgentHooks } from "./agent-hooks.js";
import { dropSpare } from "./event-connection.js";
import { ChatFiles, CREATE_CHAT_FILES, InboundSecret, type NotifyOptions } from "./chat-files.js";
import { delegate, notify, reply, reportActivity, type ReplyTarget } from "./messaging.js";
import type { ReplyOptions, ReportOptions } from "./messaging.js";
import { tracedCallPeer } from "./peer-call.js";
import { PeerTasks, type PeerTasksOptions } from "./peer-tasks.js";
import type { DiscoveredPeer, Peer, PeerCallOptions, PeerCallResult } from "./peer-types.js";
import { discoverPeer, listPeers } from "./peers.js";
import type { QueuedCall } from "./queue-status.js";
import { type CardUpdateOptions, RegisteredCard } from "./card-sync.js";
import { heartbeat, register, updateAgentCard } from "./registry.js";
import { orgIdOf } from "./env.js";
import { enc, PlatformSession } from "./session.js";
import type {
  ActivityReport,
  DelegationResult,
  EventStream,
  HeartbeatReport,
  IssuedToken,
  PlatformCapabilities,
  PlatformClientOptions,
  RegisterResult,
  RotateTokenResult,
  TokenInfo,
  WorkspaceInfo,
  WorkspaceState,
} from "./types.js";
import { getState, getWorkspace, pullSecrets } from "./workspace.js";

/**
 * The platform client: one method per endpoint, typed results, typed errors.
 *
 * Environment: reads `MOLECULE_ORG_ID` without `orgId`, and `HTTPS_PROXY` / `HTTP_PROXY` /
 * `NO_PROXY` without `proxy` or `dispatcher` (no other variable).
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
  /** Files between the canvas and this workspace: uploads, the canvas's pending uploads, the inbound secret. */
  readonly files: ChatFiles;
  readonly #s: PlatformSession;
  readonly #card = new RegisteredCard();
  readonly #secret = new InboundSecret();
  /** @internal What its agent asks beyond the public API (agent-hooks.ts). */
  readonly [AGENT_HOOKS]: AgentHooks;

  constructor(options: PlatformClientOptions) {
    const given = options && typeof options === "object";
    const s = new PlatformSession(given ? { ...options, orgId: orgIdOf(options.orgId) } : options);
    this.#s = s;
    this.workspaceId = s.workspaceId;
    this.platformUrl = s.transport.origin + s.transport.basePath;
    this.files = ChatFiles[CREATE_CHAT_FILES](s, this.#secret);
    const replaced = () => this.openEventStream !== PlatformClient.prototype.openEventStream;
    this[AGENT_HOOKS] = new AgentHooks(s, replaced);
  }

  /** The URL of this workspace's SSE event stream. */
  get eventStreamUrl(): string {
    return `${this.platformUrl}/workspaces/${enc(this.workspaceId)}/events/stream`;
  }

  /** Whether a token is currently held (after `register()`, `token`, or a loaded store). */
  get hasToken(): boolean {
    return this.#s.token !== undefined;
  }

  /**
   * The typed error of the most recent call that failed on the way to the platform (its
   * certificate, name resolution, a proxy, an outage: `tls_expired`, `connection_failed`, ...),
   * until a later call is answered; `undefined` while calls are answered. How a status page tells
   * "online" from "its calls fail" without a call of its own.
   */
  get connectionError(): MoleculeError | undefined {
    return this.#s.pathFailure;
  }

  /** Whether `bearer` is the token held now (constant time): how agent routes know the owner. */
  isOwnToken(bearer: string): boolean {
    return this.#s.holds(bearer);
  }

  [inspectCustom](): string {
    return `PlatformClient { platformUrl: '${this.platformUrl}', workspaceId: '${this.workspaceId}', token: ${this.#s.token ? `'${REDACTED}'` : "undefined"} }`;
  }

  toJSON(): object {
    return {
      platformUrl: this.platformUrl,
      workspaceId: this.workspaceId,
      token: this.#s.token ? REDACTED : undefined,
    };
  }

  /**
   * The path secret of this workspace's push endpoint, derived from its token (a restart serves the
   * URL it registered; a rotated token rotates it); `undefined` while no token is known.
   */
  pushPathSecret(): Promise<string | undefined> {
    return this.#s.pushPathSecret();
  }

  // ---------------------------------------------------------------- registry

  /**
   * Registers the agent (and mints its token on the first call, saved to the token store).
   * `deliveryMode` defaults to `"push"` with `url`, else `"poll"`. Poll delivery needs a newer
   * platform; on the 2026-04 baseline the agent is registered for push when `url` is given, else
   * a `MoleculeError` `poll_delivery_unsupported` says what to pass. The result's `deliveryMode` is
   * what the platform did: its echoed `delivery_mode`, else (poll asked for with a `url`) the
   * capability probe, after a first registration minted the token; when that fails, `"push"`.
   */
  register(options: {
    url?: string | undefined;
    agentCard: AgentCard;
    deliveryMode?: "push" | "poll" | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<RegisterResult> {
    return register(this.#s, options, this.#card, this.#secret);
  }

  /** Sends a heartbeat with an optional task report. Integer fields are sent as integers. */
  heartbeat(report: HeartbeatReport = {}, options: { signal?: AbortSignal } = {}): Promise<void> {
    return heartbeat(this.#s, report, options, this.#secret);
  }

  /**
   * Updates the agent card the platform shows and serves to peers; each top-level field `card` leaves
   * out is kept from {@link registeredCard} (the `url` the transcript route needs) unless `replace`.
   */
  updateAgentCard(card: AgentCard, options: CardUpdateOptions = {}): Promise<void> {
    return updateAgentCard(this.#s, card, options, this.#card);
  }

  /** A copy of the agent card this client last registered or sent; `undefined` before either. */
  get registeredCard(): AgentCard | undefined {
    return this.#card.card;
  }

  // ---------------------------------------------------------------- state, secrets, workspace

  /**
   * The workspace's lifecycle state. A removed workspace yields `removed: true` whether the
   * platform says so with a 404 `deleted` body, a 410, or (baseline, after delete) a 401 for the
   * revoked token. An empty 404 (a SaaS edge rejecting the request) is an error, not a removal.
   */
  getState(options: { signal?: AbortSignal } = {}): Promise<WorkspaceState> {
    return getState(this.#s, options);
  }

  /** The workspace's decrypted secrets (`GET /workspaces/:id/secrets/values`). */
  pullSecrets(options: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
    return pullSecrets(this.#s, options);
  }

  /**
   * A workspace as the platform describes it (default: this one). A removed workspace raises
   * {@link WorkspaceRemovedError}, whether the platform answers 410 or 200 with `status: "removed"`.
   */
  getWorkspace(id?: string, options: { signal?: AbortSignal } = {}): Promise<WorkspaceInfo> {
    return getWorkspace(this.#s, id, options);
  }

  // ---------------------------------------------------------------- discovery

  /**
   * The peers this workspace may talk to (cached for 30 s per query; `fresh: true` bypasses the
   * cache). `q` keeps those whose name or role contains it (case-insensitive); on the April-2026
   * platform, whose filter fails when a peer has no role, and on a `500` to `q`, it is applied
   * locally to the full list.
   */
  listPeers(options: { q?: string; signal?: AbortSignal; fresh?: boolean } = {}): Promise<Peer[]> {
    return listPeers(this.#s, options);
  }

  /**
   * Resolves a peer's A2A URL (`GET /registry/discover/:id`), cached for `peerCacheTtlMs`. For a
   * peer that polls the URL is no address of its own (the platform's internal
   * `http://ws-<id>:8000`, or empty): `internal` is `true`, and `via: "direct"` refuses it
   * (`peer_polls`).
   */
  discoverPeer(
    id: string,
    options: { signal?: AbortSignal; fresh?: boolean } = {},
  ): Promise<DiscoveredPeer> {
    return discoverPeer(this.#s, id, options);
  }

  /** Forgets cached peer data: one peer's discovered URL, or (without id) every cached entry. */
  invalidatePeer(id?: string): void {
    this.#s.peers.invalidate(id);
  }

  // ---------------------------------------------------------------- A2A

  /**
   * Sends an A2A message to a peer and waits for its answer: through the platform proxy by default,
   * or `via: "direct"` to its URL (no platform credential; the binding its card offers; recorded as
   * a delegation unless `recordDelegation: false`). A poll-mode or busy peer yields `{ status:
   * "queued" }`; failures raise {@link MoleculePeerError}, 401/403 {@link MoleculeAuthError}.
   */
  callPeer(
    peerId: string,
    message: string | { text?: string; parts?: A2APart[] | unknown[] },
    options: PeerCallOptions = {},
  ): Promise<PeerCallResult> {
    return tracedCallPeer(this.#s, peerId, message, options);
  }

  /** A peer's A2A tasks: start, stream, follow, get, list and cancel them ({@link PeerTasks}). */
  peerTasks(peerId: string, options: PeerTasksOptions = {}): PeerTasks {
    return new PeerTasks(this.#s, peerId, options);
  }

  /**
   * The fate of a call queued for a busy peer (a receipt with a `queueId`): `GET …/a2a/queue/:id`
   * (newer platforms). Only its caller or its target may read it; else, as for an unknown id,
   * `not_found`. Timestamps come as `Date`s, a completed delegation's answer as `result`.
   */
  getQueuedCall(queueId: string, options: { signal?: AbortSignal } = {}): Promise<QueuedCall> {
    return getQueuedCall(this.#s, queueId, options);
  }

  /**
   * Delegates a task asynchronously (`POST /workspaces/<self>/delegate`). The idempotency key
   * defaults to `makeIdempotencyKey("<targetId>:<task>")` (the request is retried with it).
   */
  delegate(
    targetId: string,
    task: string,
    options: { idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<DelegationResult> {
    return delegate(this.#s, targetId, task, options);
  }

  // ---------------------------------------------------------------- inbound

  /**
   * Reads activity rows (wire data), oldest first, in both contracts: with cursors (newer servers)
   * the rows strictly after `sinceId` (a stale cursor raises {@link CursorLostError}); on the
   * baseline the newest `limit` rows reversed, `sinceId`, `peerId` and `beforeTs` applied here, so
   * de-duplicate by `id`. A peer's row without `peer_name`/`peer_role` gets them from this client's
   * peer cache (see `InboundMessage.peerName`). For inbound messages: `fetchActivity`/`fetchInbound`.
   */
  fetchActivityRows(options: FetchInboundOptions = {}): Promise<ActivityRows> {
    return fetchActivityRows(this.#s, options);
  }

  /**
   * Acknowledges this workspace's activity up to row `seq` (`InboundMessage.activitySeq`), so an
   * August-2026 platform may prune those rows 7 days later; `RemoteAgent` does it as its cursor
   * advances. `false` when the platform has no such route (older servers).
   */
  ackActivity(seq: number, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return ackActivity(this.#s, seq, options);
  }

  /**
   * Replies to an inbound message: a canvas user gets a `/notify`, a peer an A2A answer through the
   * proxy (role `agent`, its `contextId`, metadata `molecule_in_reply_to`; docs/protocol.md).
   * `messageId` fixes the answer's id (resends reuse it); `task` marks it part of this agent's task
   * (`molecule_task_*`), `failure` says the message will not be answered (`molecule_failure`).
   * `timeoutMs` bounds the send (default `peerTimeoutMs`); one that times out is sent again at
   * once, with the same `messageId`, on a new connection.
   */
  reply(inbound: ReplyTarget, text: string, options: ReplyOptions = {}): Promise<void> {
    const peerId = inbound?.sourceId ?? inbound?.source ?? "unknown";
    const send = { workspaceId: this.workspaceId, peerId, messageId: options.messageId };
    return tracePeerSend(send, true, () => reply(this.#s, inbound, text, options));
  }

  /** Posts a chat message to the canvas (`POST /workspaces/:id/notify`); `files` are uploaded first. */
  notify(text: string, options: NotifyOptions = {}): Promise<void> {
    return notify(this.#s, text, options, this.files);
  }

  /**
   * Adds a row to this workspace's own activity log (`POST /workspaces/:id/activity`), which the
   * canvas shows. `activityType` is one of the platform's list (`a2a_send`, `a2a_receive`,
   * `task_update`, `agent_log`, `skill_promotion`, `memory_write`, `error`; another is refused
   * with 400); `targetId` must be a workspace id. A `RemoteAgent` reports each dead letter here.
   */
  reportActivity(report: ActivityReport, options: ReportOptions = {}): Promise<void> {
    return reportActivity(this.#s, report, options);
  }

  // ---------------------------------------------------------------- capabilities, events

  /**
   * Probes once what the platform supports and caches it (a failed probe is not cached): `since_id`
   * cursors (a zero cursor answers 410 on newer servers, 200 on the baseline), poll delivery (same
   * servers), the SSE event stream. `events: false` skips the stream check unless it was made.
   */
  capabilities(
    options: { signal?: AbortSignal; events?: boolean } = {},
  ): Promise<PlatformCapabilities> {
    return capabilities(this.#s, options);
  }

  /**
   * Opens this workspace's SSE event stream (`GET /workspaces/:id/events/stream`) with the
   * platform credentials. Error statuses raise typed errors. Close it with `close()` or the signal.
   */
  openEventStream(options: { signal?: AbortSignal } = {}): Promise<EventStream> {
    return openEventStream(this.#s, options);
  }

  // ---------------------------------------------------------------- tokens

  /** Lists this workspace's live tokens (ids and prefixes; never the tokens). */
  listTokens(options: { signal?: AbortSignal } = {}): Promise<TokenInfo[]> {
    return listTokens(this.#s, options);
  }

  /** Mints an additional token for this workspace. The client keeps using its current token. */
  createToken(options: { signal?: AbortSignal } = {}): Promise<IssuedToken> {
    return createToken(this.#s, options);
  }

  /** Revokes one token by id. */
  revokeToken(tokenId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return revokeToken(this.#s, tokenId, options);
  }

  /**
   * Rotates the workspace token: mints a new one, saves it to the token store, switches to it, then
   * revokes the old one, found by its listed `prefix`. When no listed token or several match, none
   * is revoked and the result says why (`oldToken`, `candidateIds`); the new token is active.
   */
  rotateToken(options: { signal?: AbortSignal } = {}): Promise<RotateTokenResult> {
    return rotateToken(this.#s, options);
  }

  // ---------------------------------------------------------------- plugins

  /**
   * Downloads a plugin tarball (`GET /workspaces/:id/plugins/:name/download`), streaming: the body
   * is not buffered. Error statuses raise typed errors.
   */
  downloadPlugin(
    name: string,
    options: { source?: string; signal?: AbortSignal } = {},
  ): Promise<{ body: Readable; contentLength?: number }> {
    return downloadPlugin(this.#s, name, options);
  }

  /**
   * Best effort: tells the platform a plugin was installed (`POST /workspaces/:id/plugins`); `false`
   * on any HTTP or network failure (external workspaces get 503), throws only when aborted.
   */
  recordPluginInstall(
    name: string,
    options: { source?: string; signal?: AbortSignal } = {},
  ): Promise<boolean> {
    return recordPluginInstall(this.#s, name, options);
  }

  // ---------------------------------------------------------------- org memory, approvals, session

  /**
   * Stores a memory (`LOCAL` by default). The platform rewrites secrets it recognises before
   * storing (see the README for what it misses) and says nothing about it. `GLOBAL` only from a
   * root workspace: otherwise a `global_memory_forbidden` error.
   */
  commitMemory(
    input: CommitMemoryInput,
  ): Promise<{ id: string; scope: MemoryScope; namespace: string }> {
    return commitMemory(this.#s, input);
  }

  /**
   * Reads memories of ONE scope (absent = this workspace's own rows), newest first, at most 50.
   * Another workspace's rows are peer output: the GLOBAL prefix is kept, spoofed markers are
   * neutralised, and `fromPeer` says so.
   */
  searchMemories(options: SearchMemoriesOptions = {}): Promise<Memory[]> {
    return searchMemories(this.#s, options);
  }

  /**
   * Deletes a memory this workspace wrote, on memory v2 (August 2026) a LOCAL one only
   * (`memory_not_found` for a foreign, shared or missing id).
   */
  deleteMemory(memoryId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return deleteMemory(this.#s, memoryId, options);
  }

  /**
   * Opens a human approval request and returns at once (the parent workspace gets an
   * `APPROVAL_ESCALATED` event). To wait for the decision use `RemoteAgent.requestApproval`.
   */
  createApproval(
    input: ApprovalRequestInput & { signal?: AbortSignal | undefined },
  ): Promise<{ approvalId: string; status: string }> {
    return createApproval(this.#s, input);
  }

  /** The 50 newest approval requests of this workspace, any status. */
  listApprovals(options: { signal?: AbortSignal } = {}): Promise<ApprovalRecord[]> {
    return listApprovals(this.#s, options);
  }

  /**
   * Decides one of this workspace's own pending approvals with its own token (the platform allows
   * it; a person decides through `AdminClient.decideApproval`). `approval_not_pending` when it is
   * unknown, already decided or expired.
   */
  decideApproval(
    approvalId: string,
    decision: ApprovalDecision,
    options: { decidedBy?: string; signal?: AbortSignal } = {},
  ): Promise<{ approvalId: string; status: ApprovalDecision }> {
    return decideOwnApproval(this.#s, approvalId, decision, options);
  }

  /** Substring search over this workspace's own activity rows and own memories, newest first. */
  searchSession(
    options: { q?: string; limit?: number; signal?: AbortSignal } = {},
  ): Promise<SessionHit[]> {
    return searchSession(this.#s, options);
  }

  /** This workspace's Langfuse traces through the platform (`[]` when Langfuse is not configured). */
  listTraces(options: { signal?: AbortSignal } = {}): Promise<unknown[]> {
    return listTraces(this.#s, options);
  }

  /**
   * A workspace's transcript (default: this one) through the platform, which relays the agent's
   * own `GET /transcript` and forwards this client's bearer to it.
   */
  fetchTranscript(
    workspaceId?: string,
    options: { since?: number; limit?: number; signal?: AbortSignal } = {},
  ): Promise<TranscriptPage> {
    return fetchTranscript(this.#s, workspaceId, options);
  }

  /** Records a delegation made by calling a peer directly, so the canvas shows it. */
  recordDelegation(input: DelegationRecordInput): Promise<{ delegationId: string }> {
    return recordDelegation(this.#s, input);
  }

  /** Marks a recorded delegation `completed` (with a response preview) or `failed` (with an error). */
  updateDelegation(delegationId: string, update: DelegationUpdate): Promise<void> {
    return updateDelegation(this.#s, delegationId, update);
  }

  /** This workspace's 50 newest delegation rows and results, newest first (`GET …/delegations`). */
  listDelegations(options: { signal?: AbortSignal } = {}): Promise<DelegationRecord[]> {
    return listDelegations(this.#s, options);
  }

  /** Releases the client's pools (never a dispatcher you passed) and the probe's unused stream. */
  async close(): Promise<void> {
    dropSpare(this.#s);
    await this.#s.transport.close();
  }
}
