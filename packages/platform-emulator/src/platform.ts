// The emulated workspace-server's state and the rules every route applies to it: auth layers,
// model helpers, activity rows, liveness; events are fanned out by event-fanout.ts.
// Behaviour follows shared/reference/platform-api.md (§1-§7 = compat "2026-04", + §8 = "2026-05"),
// and platform-2026-08.md for "2026-08" (what "latest" is).
// The request entry point is request-handler.ts; routes live in routes/ (one file per resource),
// the A2A proxy in proxy/, faults, rate limit, SSE and request plumbing in their own files. This
// file imports none of them (they import it): the emulator has no import cycle.
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { agentUrlAllowed, type AgentUrlUse } from "./agent-url.js";
import { isAugust, resolveContract, type Contract } from "./contract.js";
import { EventFanout } from "./event-fanout.js";
import { HttpError, type Ctx } from "./http-io.js";
import { type CommitDelay, CommitQueue } from "./late-commits.js";
import type { ActivityRow, QueueRow, Store, TokenRow, WorkspaceRow } from "./store.js";
import type { ActiveFault, Clock, Compat } from "./types.js";
import { hashToken, iso, newId, newToken } from "./util.js";

export { wrapPeerResult } from "./peer-text.js";
export type { EventSocket, PlatformObserver, StructureEvent } from "./event-fanout.js";

/** Fully-resolved settings the platform runs with. */
export interface PlatformSettings {
  compat: Compat;
  adminToken: string;
  devMode: boolean;
  lenientAgentUrls: boolean;
  clock: Clock;
  pluginsDir: string | undefined;
  rateLimit: number | undefined;
  livenessMs: number;
  forwardTimeoutMs: number;
  sseKeepAliveMs: number;
  queueMaxAttempts: number;
  /** The server's `DELEGATION_RESULT_INBOX_PUSH=1` (latest only). */
  delegationResultInboxPush: boolean;
  /** 2026-08: whether the memory v2 sidecar is configured (`MEMORY_PLUGIN_URL`); off, memory routes answer 503. */
  memoryPlugin: boolean;
  /** Whether the canvas page and its API (`/canvas/`) are served. */
  ui: boolean;
  /** 2026-08: the server's `MOLECULE_A2A_ALWAYS_AUTH` (pushes to IP-literal URLs carry the bearer too). */
  a2aAlwaysAuth: boolean;
  /** The server's `MOLECULE_ORG_ID`: the tenant guard is on (tenant-guard.ts). */
  orgId: string | undefined;
  /** Opt-in: peer answers wrapped in OFFSEC-003 markers (no server did this; peer-text.ts). */
  offsec003Wrapping: boolean;
  /** Opt-in: when a written activity row commits (`EmulatorOptions.commitDelay`); unset = at once. */
  commitDelay: CommitDelay | undefined;
}

/** The rate limiter's window of one caller key (`ratelimit.go`'s bucket): tokens left, its start. */
export interface RateBucket {
  tokens: number;
  start: number;
}

/** The server's `RATE_LIMIT` default (`router.go` at aeec8e47). */
const DEFAULT_RATE_LIMIT = 600;
/** How long the proxy keeps an idle connection to an agent (shorter than Node's default 5 s). */
const POOL_IDLE_MS = 4_000;
/** The emulated platform. One instance serves one HTTP server. */
export class Platform {
  readonly faults: ActiveFault[] = [];
  /** Times of the last accepted heartbeats per workspace (newest last, at most 1,000 each). */
  readonly heartbeatLog = new Map<string, number[]>();
  readonly inflight = new Map<string, Set<() => void>>();
  /** The rate limiter's windows by caller key (rate-limit.ts). */
  readonly rl = new Map<string, RateBucket>();
  private readonly adminHash: Buffer;
  /**
   * The proxy's connection pools. An idle pooled connection is closed after `POOL_IDLE_MS`, before
   * a server with Node's default 5 s keep-alive closes it (and sooner when the server's
   * `Keep-Alive: timeout=` says so), so a forward rarely meets a connection being closed.
   */
  readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: POOL_IDLE_MS });
  readonly httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 256,
    timeout: POOL_IDLE_MS,
  });
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  /** Set by the server once it listens: the emulator's own base URL. */
  baseUrl = "";

  constructor(
    readonly s: PlatformSettings,
    readonly store: Store,
    readonly changed: () => void,
  ) {
    this.adminHash = Buffer.from(hashToken(s.adminToken), "hex");
    this.contract = resolveContract(s.compat);
    this.#late = new CommitQueue(s.commitDelay, (r, event) => {
      this.store.addActivity(r);
      if (event !== undefined) this.emit(r.workspace_id, "ACTIVITY_LOGGED", event);
      this.changed();
    });
  }

  /** The dated contract spoken (`compat: "latest"` resolved, see contract.ts). */
  readonly contract: Contract;

  /** Whether the contract is newer than the April-2026 baseline (`2026-05` or `2026-08`). */
  get latest(): boolean {
    return this.contract !== "2026-04";
  }

  /** Whether the contract is the August-2026 server's. */
  get august(): boolean {
    return isAugust(this.contract);
  }

  now(): number {
    return this.s.clock.now();
  }

  /**
   * Requests per minute per caller key, or `undefined` for no limit. The server limits outside
   * development mode only (`RATE_LIMIT`, default 600; `ratelimit.go` at aeec8e47): `devMode: false`
   * limits at 600 unless `rateLimit` says otherwise; with `devMode` (the default) only an explicit
   * `rateLimit` turns the limiter on.
   */
  get rateLimit(): number | undefined {
    return this.s.rateLimit ?? (this.s.devMode ? undefined : DEFAULT_RATE_LIMIT);
  }

  /** Whether `shutdown()` has begun (the request handler then stops tracking requests). */
  get closing(): boolean {
    return this.closed;
  }

  /** Keeps `p` among the in-flight work `shutdown()` waits for. */
  track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  // ---------------------------------------------------------------- auth layers

  isAdmin(ctx: Ctx): boolean {
    if (ctx.bearerHash === undefined) return false;
    return timingSafeEqual(Buffer.from(ctx.bearerHash, "hex"), this.adminHash);
  }

  /** `ValidateToken`: live token, bound to `id`, workspace not removed. */
  tokenFor(ctx: Pick<Ctx, "bearerHash">, id: string): TokenRow | undefined {
    if (ctx.bearerHash === undefined) return undefined;
    const t = this.store.tokensByHash.get(ctx.bearerHash);
    if (t === undefined || t.revokedAt !== null || t.workspaceId !== id) return undefined;
    const ws = this.store.workspaces.get(id);
    if (ws === undefined || ws.status === "removed") return undefined;
    t.lastUsedAt = this.now();
    return t;
  }

  /** `wsauth.WorkspaceFromToken`: the workspace of a live token, unless it was removed. */
  bearerWorkspace(ctx: Pick<Ctx, "bearerHash">): string | undefined {
    if (ctx.bearerHash === undefined) return undefined;
    const t = this.store.tokensByHash.get(ctx.bearerHash);
    if (t === undefined || t.revokedAt !== null) return undefined;
    return this.ws(t.workspaceId)?.status === "removed" ? undefined : t.workspaceId;
  }

  adminAuth(ctx: Ctx): void {
    if (ctx.bearer === undefined) throw new HttpError(401, { error: "admin auth required" });
    if (!this.isAdmin(ctx)) throw new HttpError(401, { error: "invalid admin auth token" });
  }

  /** WorkspaceAuth middleware: ADMIN_TOKEN or a workspace token bound to `:id`. */
  async wsAuth(ctx: Ctx, id: string, next: () => unknown): Promise<void> {
    if (ctx.bearer === undefined)
      throw new HttpError(401, { error: "missing workspace auth token" });
    if (!this.isAdmin(ctx) && this.tokenFor(ctx, id) === undefined)
      throw new HttpError(401, { error: "invalid workspace auth token" });
    await next();
  }

  /** Handler-level lazy bootstrap: the workspace's own token iff it has a live one (ADMIN_TOKEN not accepted). */
  lazy(ctx: Ctx, id: string): void {
    const bad = this.lazyFailure(ctx, id);
    if (bad !== undefined) throw new HttpError(401, { error: `${bad} workspace auth token` });
  }

  /** Why the lazy-bootstrap check fails for `id` (`undefined` = it passes). */
  lazyFailure(ctx: Ctx, id: string): "missing" | "invalid" | undefined {
    if (this.store.liveTokenCount(id) === 0) return undefined;
    if (ctx.bearer === undefined) return "missing";
    return this.tokenFor(ctx, id) === undefined ? "invalid" : undefined;
  }

  // ---------------------------------------------------------------- model helpers

  ws(id: string): WorkspaceRow | undefined {
    return this.store.workspaces.get(id);
  }

  /** `registry.CanCommunicate`. */
  canCommunicate(a: string, b: string): boolean {
    if (a === b) return true;
    const wa = this.ws(a);
    const wb = this.ws(b);
    if (wa === undefined || wb === undefined) return false;
    if (wa.parentId === null && wb.parentId === null) return true;
    if (wa.parentId !== null && wa.parentId === wb.parentId) return true;
    return this.isAncestor(a, b) || this.isAncestor(b, a);
  }

  private isAncestor(anc: string, id: string): boolean {
    let cur = this.ws(id);
    for (let i = 0; i < 32 && cur !== undefined && cur.parentId !== null; i++) {
      if (cur.parentId === anc) return true;
      cur = this.ws(cur.parentId);
    }
    return false;
  }

  descendants(id: string): WorkspaceRow[] {
    const out: WorkspaceRow[] = [];
    const walk = (pid: string, depth: number): void => {
      if (depth > 32) return;
      for (const w of this.store.workspaces.values())
        if (w.parentId === pid && w.status !== "removed") {
          out.push(w);
          walk(w.id, depth + 1);
        }
    };
    walk(id, 0);
    return out;
  }

  mintToken(workspaceId: string): string {
    const plain = newToken();
    const now = this.now();
    this.store.addToken({
      id: newId(),
      workspaceId,
      hash: hashToken(plain),
      prefix: plain.slice(0, 8),
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    });
    this.changed();
    return plain;
  }

  setStatus(
    w: WorkspaceRow,
    status: string,
    event?: string,
    payload?: Record<string, unknown>,
  ): void {
    w.status = status;
    w.updatedAt = this.now();
    if (event !== undefined) this.emit(w.id, event, payload ?? {});
  }

  /**
   * Serialises an activity row as the server does in both contracts (`activity.go` 248-268 at
   * 50c3bdfd): the flat row, with `request_body`, `response_body` and `tool_trace` when set. The
   * server adds no enrichment: the `data` block (`peer_name`, `peer_role`, `agent_card_url`, ...)
   * the Python SDK's README describes is in no server code nor pull request (#2905 enriches on the
   * client), so the emulator no longer invents one.
   */
  activityJson(r: ActivityRow): Record<string, unknown> {
    const o: Record<string, unknown> = {
      id: r.id,
      workspace_id: r.workspace_id,
      activity_type: r.activity_type,
      source_id: r.source_id,
      target_id: r.target_id,
      method: r.method,
      summary: r.summary,
      duration_ms: r.duration_ms,
      status: r.status,
      error_detail: r.error_detail,
      created_at: iso(r.created_at),
    };
    // 2026-08: the row's monotonic `seq`, what `POST …/activity/ack` takes (`activity.go` ~560).
    if (this.august) o["seq"] = r.seq;
    if (r.request_body !== undefined) o["request_body"] = r.request_body;
    if (r.response_body !== undefined) o["response_body"] = r.response_body;
    if (r.tool_trace !== undefined) o["tool_trace"] = r.tool_trace;
    return o;
  }

  /**
   * `LogActivity`: writes an activity row and fans out `ACTIVITY_LOGGED` when it commits (at once
   * unless `commitDelay` delays it; see `writeActivity`). Since 2026-05 the event carries the row's
   * bodies and duration (enteros-core c91c09dc, 2026-04-27: in 50c3bdfd and aeec8e47, not in
   * 7cf77f27), and on 2026-08 its `message_id` (`activity.go` 1171-1214 at aeec8e47). The row's
   * `id` is the emulator's own (neither server names it).
   */
  logActivity(
    row: Omit<ActivityRow, "seq" | "id" | "created_at">,
    messageId?: string,
  ): ActivityRow {
    const r: ActivityRow = {
      ...row,
      seq: this.store.nextSeq(),
      id: newId(),
      created_at: this.now(),
    };
    const event: Record<string, unknown> = {
      id: r.id,
      activity_type: r.activity_type,
      method: r.method,
      source_id: r.source_id,
      target_id: r.target_id,
      status: r.status,
      summary: r.summary,
    };
    if (this.latest) {
      event["duration_ms"] = r.duration_ms;
      if (r.tool_trace !== undefined && r.tool_trace !== null) event["tool_trace"] = r.tool_trace;
      if (r.request_body !== undefined && r.request_body !== null)
        event["request_body"] = r.request_body;
      if (r.response_body !== undefined && r.response_body !== null)
        event["response_body"] = r.response_body;
    }
    if (this.august && messageId !== undefined) event["message_id"] = messageId;
    this.writeActivity(r, event);
    return r;
  }

  readonly #late: CommitQueue; // rows written and not yet committed (late-commits.ts)

  /** Writes an activity row; readers see it (and `event` is sent) when it commits (late-commits.ts). */
  writeActivity(r: ActivityRow, event?: Record<string, unknown>): void {
    this.#late.write(r, () => this.activityJson(r), event);
  }

  /** Resolves when `r` has committed, or `undefined` when it already has. */
  whenCommitted(r: ActivityRow): Promise<void> | undefined {
    return this.#late.whenCommitted(r);
  }

  /** Commits every row still uncommitted, in write order (emulator close). */
  commitAll(): void {
    this.#late.commitAll();
  }

  // ---------------------------------------------------------------- events

  /** Where an event goes: the canvas, `GET /ws` clients, SSE streams, the history (event-fanout.ts). */
  readonly events = new EventFanout(this);

  /** Emits one event to every stream and record it reaches (see `EventFanout.emit`). */
  emit(workspaceId: string, type: string, data: unknown): void {
    this.events.emit(workspaceId, type, data);
  }

  /** Whether an agent URL may be registered (`"register"`) or dispatched to (`"dispatch"`). */
  checkAgentUrl(raw: string, use: AgentUrlUse): Promise<boolean> {
    return agentUrlAllowed(raw, use, {
      devMode: this.s.devMode,
      lenientRegister: this.s.lenientAgentUrls,
    });
  }

  /** Set when a state file is configured (heartbeats then mark the store dirty). */
  statePersisted = false;

  /** Emulator view of the A2A queue of one workspace. */
  queueOf(id: string): QueueRow[] {
    return this.store.queue.filter((q) => q.workspaceId === id);
  }

  // ---------------------------------------------------------------- liveness and shutdown

  /** Marks online/degraded workspaces offline after `livenessMs` without a heartbeat. */
  sweep(): void {
    const now = this.now();
    for (const w of this.store.workspaces.values()) {
      if (w.status !== "online" && w.status !== "degraded") continue;
      const last = w.lastHeartbeatAt ?? w.updatedAt;
      if (now - last > this.s.livenessMs) {
        // 2026-08: an external workspace waits for its agent to register again
        // (`registry/liveness.go` 57-68, `healthsweep.go` 205-222 at enteros-core aeec8e47).
        const to = this.august && w.runtime === "external" ? "awaiting_agent" : "offline";
        this.setStatus(w, to, "WORKSPACE_OFFLINE", {});
        this.changed();
      }
    }
  }

  /** Stops background work and waits for in-flight handlers. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.commitAll();
    this.events.closeStreams();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    // Wait for in-flight forwards, but at most 2 s, and never keep the process alive for the timer.
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2000);
    });
    await Promise.race([Promise.allSettled(this.pending), cap]);
    clearTimeout(timer);
  }
}
