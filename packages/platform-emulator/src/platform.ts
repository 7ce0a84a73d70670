// The emulated workspace-server: routing, auth layers and every remote-agent endpoint.
// Behaviour follows shared/reference/platform-api.md (§1-§7 = compat "2026-04", + §8 = "latest").
import { timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { resolveA2ACaller } from "./a2a-caller.js";
import { agentUrlAllowed, type AgentUrlUse } from "./agent-url.js";
import { buildPluginTarball, PLUGIN_NAME_RE } from "./plugins.js";
import {
  MALFORMED_ID_ERROR,
  peersQueryPanics,
  writeRecoveredPanic,
  writeTrailingSlashRedirect,
} from "./server-quirks.js";
import type { ActivityRow, QueueRow, Store, TokenRow, WorkspaceRow } from "./store.js";
import type { Clock, Compat, FaultSpec } from "./types.js";
import {
  BindError,
  UUID_ANY_RE,
  UUID_RE,
  bearerOf,
  hashToken,
  isObject,
  iso,
  newId,
  newToken,
  optBool,
  optFloat,
  optInt,
  optString,
  reqString,
} from "./util.js";

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
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  bearer: string | undefined;
  bearerHash: string | undefined;
  headers: Record<string, string | number>;
}

interface ActiveFault {
  spec: FaultSpec;
  matcher: (path: string) => boolean;
  remaining: number;
}

interface Forward {
  status: number;
  body: unknown;
  /** The agent's own result before OFFSEC-003 wrapping (set when `body` was wrapped). */
  unwrapped?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

interface ForwardOutcome {
  kind: "ok" | "agent-error" | "busy" | "unreachable" | "read-failed" | "unsafe";
  status?: number;
  body?: Buffer;
  error?: string;
  durationMs: number;
}

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  "Content-Security-Policy": "default-src 'self'",
};

const A2A_MAX_BODY = 1 << 20;
const A2A_MAX_RESPONSE = 10 << 20;
const MAX_BODY = 16 << 20;
const ACTIVITY_TYPES = [
  "a2a_send",
  "a2a_receive",
  "task_update",
  "agent_log",
  "skill_promotion",
  "memory_write",
  "error",
];
const NAME_BAD_CHARS = /[\n\r{}[\]|>*&!]/;
const BOUNDARY_START = "[A2A_RESULT_FROM_PEER]";
const BOUNDARY_END = "[/A2A_RESULT_FROM_PEER]";
const STATUS_TEXT = http.STATUS_CODES;
const HEARTBEAT_INT_AS_FLOAT =
  /"(?:active_tasks|uptime_seconds|monthly_spend|idle_timeout_seconds)"\s*:\s*-?\d+(?:\.\d|[eE])/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(`HTTP ${status}`);
  }
}

function readBody(req: IncomingMessage, limit: number, truncate: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      if (size + c.length > limit) {
        if (!truncate) {
          over = true;
          reject(new HttpError(413, { error: "request body too large" }));
          return;
        }
        chunks.push(c.subarray(0, limit - size));
        size = limit;
        over = true;
        return;
      }
      chunks.push(c);
      size += c.length;
    });
    req.on("end", () => {
      if (!over || truncate)
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw new BindError("empty body");
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch {
    throw new BindError("invalid JSON");
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wraps every text part of a peer's JSON-RPC result in OFFSEC-003 markers (compat "latest"). */
export function wrapPeerResult(body: unknown): boolean {
  if (!isObject(body)) return false;
  const result = body["result"];
  let changed = false;
  const wrapParts = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const p of parts) {
      if (!isObject(p) || typeof p["text"] !== "string") continue;
      const k = p["kind"] ?? p["type"];
      if (k !== undefined && k !== "text") continue;
      p["text"] = `${BOUNDARY_START}\n${p["text"]}\n${BOUNDARY_END}`;
      changed = true;
    }
  };
  const wrapMessage = (m: unknown): void => {
    if (isObject(m)) wrapParts(m["parts"]);
  };
  const wrapTask = (t: unknown): void => {
    if (!isObject(t)) return;
    if (Array.isArray(t["artifacts"]))
      for (const a of t["artifacts"]) if (isObject(a)) wrapParts(a["parts"]);
    if (isObject(t["status"])) wrapMessage(t["status"]["message"]);
  };
  if (typeof result === "string") {
    body["result"] = `${BOUNDARY_START}\n${result}\n${BOUNDARY_END}`;
    return true;
  }
  if (!isObject(result)) return false;
  if (result["kind"] === "task" || Array.isArray(result["artifacts"]) || isObject(result["status"]))
    wrapTask(result);
  if (Array.isArray(result["parts"])) wrapParts(result["parts"]);
  if (isObject(result["message"])) wrapMessage(result["message"]);
  if (isObject(result["task"])) wrapTask(result["task"]);
  return changed;
}

/** Text of a JSON-RPC result (for delegation results): `kind:"text"` parts of result/artifacts. */
function resultText(body: unknown): string | undefined {
  if (!isObject(body) || !isObject(body["result"])) return undefined;
  const r = body["result"];
  const texts: string[] = [];
  const take = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const p of parts)
      if (isObject(p) && p["kind"] === "text" && typeof p["text"] === "string")
        texts.push(p["text"]);
  };
  take(r["parts"]);
  if (Array.isArray(r["artifacts"]))
    for (const a of r["artifacts"]) if (isObject(a)) take(a["parts"]);
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/** Text of an inbound A2A envelope: params.message.parts, params.parts, parts (kind|type text). */
function envelopeText(env: unknown): string {
  if (!isObject(env)) return "";
  const params = isObject(env["params"]) ? env["params"] : undefined;
  const msg = params !== undefined && isObject(params["message"]) ? params["message"] : undefined;
  const parts = msg?.["parts"] ?? params?.["parts"] ?? env["parts"];
  if (!Array.isArray(parts)) return "";
  let out = "";
  for (const p of parts)
    if (
      isObject(p) &&
      (p["kind"] === "text" || p["type"] === "text") &&
      typeof p["text"] === "string"
    )
      out += p["text"];
  return out;
}

/** The emulated platform. One instance serves one HTTP server. */
export class Platform {
  readonly faults: ActiveFault[] = [];
  readonly subscribers = new Map<string, Set<ServerResponse>>();
  /** Times of the last accepted heartbeats per workspace (newest last, at most 1,000 each). */
  readonly heartbeatLog = new Map<string, number[]>();
  private readonly inflight = new Map<string, Set<() => void>>();
  private readonly rl = new Map<string, { start: number; count: number }>();
  private readonly adminHash: Buffer;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  /** Set by the server once it listens: the emulator's own base URL. */
  baseUrl = "";

  constructor(
    readonly s: PlatformSettings,
    readonly store: Store,
    private readonly changed: () => void,
  ) {
    this.adminHash = Buffer.from(hashToken(s.adminToken), "hex");
  }

  get latest(): boolean {
    return this.s.compat === "latest";
  }

  now(): number {
    return this.s.clock.now();
  }

  // ---------------------------------------------------------------- entry point

  /** node:http request listener. Never throws; never answers 500 with a stack trace. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q === -1 ? url : url.slice(0, q);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const bearer = bearerOf(req.headers.authorization);
    const ctx: Ctx = {
      req,
      res,
      method: req.method ?? "GET",
      path,
      query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
      bearer,
      bearerHash: bearer === undefined ? undefined : hashToken(bearer),
      headers: { ...SECURITY_HEADERS },
    };
    const p = this.run(ctx).catch((err: unknown) => this.fail(ctx, err));
    if (this.closed) return;
    this.track(p);
  };

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private fail(ctx: Ctx, err: unknown): void {
    if (ctx.res.headersSent || ctx.res.destroyed) {
      if (!ctx.res.writableEnded) ctx.res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      this.json(ctx, err.status, err.body, err.headers);
      return;
    }
    // Internal bug: answer like the platform's generic failure, without internals.
    this.json(ctx, 503, {
      error: "platform datastore unavailable — retry shortly",
      code: "platform_unavailable",
    });
  }

  private async run(ctx: Ctx): Promise<void> {
    if (this.faults.length > 0) {
      const handled = await this.applyRequestFault(ctx);
      if (handled) return;
    }
    if (!this.rateLimit(ctx)) return;
    await this.route(ctx);
  }

  private findFault(
    method: string,
    path: string,
    stage: "request" | "forward",
  ): FaultSpec | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i] as ActiveFault;
      if ((f.spec.stage ?? "request") !== stage) continue;
      if (f.spec.method !== undefined && f.spec.method.toUpperCase() !== method) continue;
      if (!f.matcher(path)) continue;
      f.remaining--;
      if (f.remaining <= 0) this.faults.splice(i, 1);
      return f.spec;
    }
    return undefined;
  }

  private async applyRequestFault(ctx: Ctx): Promise<boolean> {
    const f = this.findFault(ctx.method, ctx.path, "request");
    if (f === undefined) return false;
    if (f.delayMs !== undefined && f.delayMs > 0) await sleep(f.delayMs);
    if (f.reset === true) {
      ctx.req.socket.destroy();
      return true;
    }
    if (f.status === undefined) return false;
    const body = f.body ?? { error: "injected fault" };
    const data = typeof body === "string" ? body : JSON.stringify(body);
    ctx.req.resume();
    ctx.res.writeHead(f.status, {
      ...ctx.headers,
      "Content-Type":
        typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(data),
      ...f.headers,
    });
    ctx.res.end(data);
    return true;
  }

  private rateLimit(ctx: Ctx): boolean {
    const limit = this.s.rateLimit;
    if (limit === undefined) {
      ctx.headers["X-RateLimit-Limit"] = "unlimited";
      return true;
    }
    const ip = ctx.req.socket.remoteAddress ?? "unknown";
    const now = this.now();
    let b = this.rl.get(ip);
    if (b === undefined || now - b.start >= 60_000) {
      b = { start: now, count: 0 };
      this.rl.set(ip, b);
    }
    const reset = Math.max(1, Math.ceil((b.start + 60_000 - now) / 1000));
    b.count++;
    ctx.headers["X-RateLimit-Limit"] = limit;
    ctx.headers["X-RateLimit-Remaining"] = Math.max(0, limit - b.count);
    ctx.headers["X-RateLimit-Reset"] = reset;
    if (b.count > limit) {
      ctx.req.resume();
      this.json(
        ctx,
        429,
        { error: "rate limit exceeded", retry_after: reset },
        { "Retry-After": String(reset) },
      );
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- responses

  private json(ctx: Ctx, status: number, body: unknown, extra?: Record<string, string>): void {
    const data = JSON.stringify(body);
    const h = ctx.headers;
    h["Content-Type"] = "application/json; charset=utf-8";
    h["Content-Length"] = Buffer.byteLength(data);
    if (extra !== undefined) Object.assign(h, extra);
    ctx.res.writeHead(status, h);
    ctx.res.end(data);
  }

  private notFoundRoute(ctx: Ctx): void {
    ctx.req.resume();
    const data = "404 page not found";
    ctx.headers["Content-Type"] = "text/plain";
    ctx.headers["Content-Length"] = data.length;
    ctx.res.writeHead(404, ctx.headers);
    ctx.res.end(data);
  }

  private async body(
    ctx: Ctx,
    badBody: string,
    rawReject?: RegExp,
  ): Promise<Record<string, unknown>> {
    const buf = await readBody(ctx.req, MAX_BODY, false);
    // Go's decoder rejects `1.0` / `1e3` for an int field; JSON.parse cannot tell them from 1.
    if (rawReject !== undefined && rawReject.test(buf.toString("latin1")))
      throw new HttpError(400, { error: badBody });
    let v: unknown;
    try {
      v = parseJson(buf);
    } catch {
      throw new HttpError(400, { error: badBody });
    }
    if (!isObject(v)) throw new HttpError(400, { error: badBody });
    return v;
  }

  // ---------------------------------------------------------------- routing

  private async route(ctx: Ctx): Promise<void> {
    const segs = ctx.path.split("/");
    // segs[0] is "" for absolute paths
    if (segs[0] !== "" || ctx.path.includes("//")) return this.notFoundRoute(ctx);
    if (segs.length > 2 && segs[segs.length - 1] === "") {
      // gin RedirectTrailingSlash
      const to = ctx.path.slice(0, -1) + (ctx.query.size > 0 ? `?${ctx.query.toString()}` : "");
      ctx.req.resume();
      writeTrailingSlashRedirect(ctx.res, ctx.headers, ctx.method, to);
      return;
    }
    const m = ctx.method;
    const a = segs[1];
    const n = segs.length - 1;
    if (a === "health" && n === 1 && m === "GET") return this.json(ctx, 200, { status: "ok" });
    if (a === "registry") {
      const b = segs[2] ?? "";
      if (n === 2 && m === "POST") {
        if (b === "register") return this.register(ctx);
        if (b === "heartbeat") return this.heartbeat(ctx);
        if (b === "update-card") return this.updateCard(ctx);
        if (b === "check-access") return this.checkAccess(ctx);
      }
      if (n === 3 && m === "GET") {
        if (b === "discover") return this.discover(ctx, segs[3] ?? "");
        if (segs[3] === "peers") return this.peers(ctx, b);
      }
      return this.notFoundRoute(ctx);
    }
    if (a === "workspaces") {
      if (n === 1) {
        if (m === "GET") return this.listWorkspaces(ctx);
        if (m === "POST") return this.createWorkspace(ctx);
        return this.notFoundRoute(ctx);
      }
      const id = segs[2] ?? "";
      if (n === 2) {
        if (m === "GET") return this.getWorkspace(ctx, id);
        if (m === "DELETE") return this.deleteWorkspace(ctx, id);
        return this.notFoundRoute(ctx);
      }
      const sub = segs[3];
      if (n === 3) {
        switch (`${m} ${sub}`) {
          case "POST a2a":
            return this.a2a(ctx, id);
          case "GET state":
            return this.wsAuth(ctx, id, () => this.state(ctx, id));
          case "GET secrets":
            return this.wsAuth(ctx, id, () => this.listSecrets(ctx, id));
          case "POST secrets":
          case "PUT secrets":
            return this.wsAuth(ctx, id, () => this.putSecret(ctx, id));
          case "GET activity":
            return this.wsAuth(ctx, id, () => this.listActivity(ctx, id));
          case "POST activity":
            return this.wsAuth(ctx, id, () => this.reportActivity(ctx, id));
          case "POST notify":
            return this.wsAuth(ctx, id, () => this.notify(ctx, id));
          case "POST delegate":
            return this.wsAuth(ctx, id, () => this.delegate(ctx, id));
          case "GET delegations":
            return this.wsAuth(ctx, id, () => this.listDelegations(ctx, id));
          case "GET plugins":
            return this.wsAuth(ctx, id, () => this.json(ctx, 200, []));
          case "POST plugins":
            return this.wsAuth(ctx, id, () => this.installPlugin(ctx, id));
          case "GET tokens":
            return this.wsAuth(ctx, id, () => this.listTokens(ctx, id));
          case "POST tokens":
            return this.wsAuth(ctx, id, () => this.createToken(ctx, id));
          case "POST pause":
            return this.wsAuth(ctx, id, () => this.pause(ctx, id));
          case "POST resume":
            return this.wsAuth(ctx, id, () => this.resume(ctx, id));
        }
        return this.notFoundRoute(ctx);
      }
      const key = segs[4] ?? "";
      if (n === 4) {
        if (m === "GET" && sub === "secrets" && key === "values")
          return this.wsAuth(ctx, id, () => this.secretValues(ctx, id));
        if (m === "DELETE" && sub === "secrets")
          return this.wsAuth(ctx, id, () => this.deleteSecret(ctx, id, key));
        if (m === "DELETE" && sub === "tokens")
          return this.wsAuth(ctx, id, () => this.revokeToken(ctx, id, key));
        if (m === "DELETE" && sub === "plugins")
          return this.wsAuth(ctx, id, () =>
            this.json(ctx, 503, { error: "workspace container not running" }),
          );
        if (m === "GET" && sub === "events" && key === "stream")
          return this.wsAuth(ctx, id, () => this.eventStream(ctx, id));
        return this.notFoundRoute(ctx);
      }
      if (n === 5 && m === "GET" && sub === "plugins" && segs[5] === "download")
        return this.wsAuth(ctx, id, () => this.downloadPlugin(ctx, id, key));
      return this.notFoundRoute(ctx);
    }
    if (
      a === "admin" &&
      n === 4 &&
      m === "GET" &&
      segs[2] === "workspaces" &&
      segs[4] === "test-token"
    )
      return this.testToken(ctx, segs[3] ?? "");
    return this.notFoundRoute(ctx);
  }

  // ---------------------------------------------------------------- auth layers

  private isAdmin(ctx: Ctx): boolean {
    if (ctx.bearerHash === undefined) return false;
    return timingSafeEqual(Buffer.from(ctx.bearerHash, "hex"), this.adminHash);
  }

  /** `ValidateToken`: live token, bound to `id`, workspace not removed. */
  private tokenFor(ctx: Ctx, id: string): TokenRow | undefined {
    if (ctx.bearerHash === undefined) return undefined;
    const t = this.store.tokensByHash.get(ctx.bearerHash);
    if (t === undefined || t.revokedAt !== null || t.workspaceId !== id) return undefined;
    const ws = this.store.workspaces.get(id);
    if (ws === undefined || ws.status === "removed") return undefined;
    t.lastUsedAt = this.now();
    return t;
  }

  private adminAuth(ctx: Ctx): void {
    if (ctx.bearer === undefined) throw new HttpError(401, { error: "admin auth required" });
    if (!this.isAdmin(ctx)) throw new HttpError(401, { error: "invalid admin auth token" });
  }

  /** WorkspaceAuth middleware: ADMIN_TOKEN or a workspace token bound to `:id`. */
  private async wsAuth(ctx: Ctx, id: string, next: () => unknown): Promise<void> {
    if (ctx.bearer === undefined)
      throw new HttpError(401, { error: "missing workspace auth token" });
    if (!this.isAdmin(ctx) && this.tokenFor(ctx, id) === undefined)
      throw new HttpError(401, { error: "invalid workspace auth token" });
    await next();
  }

  /** Handler-level lazy bootstrap: the workspace's own token iff it has a live one (ADMIN_TOKEN not accepted). */
  private lazy(ctx: Ctx, id: string): void {
    const bad = this.lazyFailure(ctx, id);
    if (bad !== undefined) throw new HttpError(401, { error: `${bad} workspace auth token` });
  }

  /** Why the lazy-bootstrap check fails for `id` (`undefined` = it passes). */
  private lazyFailure(ctx: Ctx, id: string): "missing" | "invalid" | undefined {
    if (this.store.liveTokenCount(id) === 0) return undefined;
    if (ctx.bearer === undefined) return "missing";
    return this.tokenFor(ctx, id) === undefined ? "invalid" : undefined;
  }

  // ---------------------------------------------------------------- model helpers

  private ws(id: string): WorkspaceRow | undefined {
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

  private descendants(id: string): WorkspaceRow[] {
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

  private setStatus(
    w: WorkspaceRow,
    status: string,
    event?: string,
    payload?: Record<string, unknown>,
  ): void {
    w.status = status;
    w.updatedAt = this.now();
    if (event !== undefined) this.emit(w.id, event, payload ?? {});
  }

  private workspaceJson(w: WorkspaceRow, full: boolean): Record<string, unknown> {
    const o: Record<string, unknown> = {
      id: w.id,
      name: w.name,
      role: w.role,
      tier: w.tier,
      status: w.status,
      agent_card: w.agentCard ?? null,
      url: w.url,
      parent_id: w.parentId,
      active_tasks: w.activeTasks,
      max_concurrent_tasks: w.maxConcurrentTasks,
      last_error_rate: w.lastErrorRate,
      uptime_seconds: w.uptimeSeconds,
      runtime: w.runtime,
      x: w.x,
      y: w.y,
      collapsed: w.collapsed,
      last_outbound_at: w.lastOutboundAt === null ? null : iso(w.lastOutboundAt),
    };
    if (this.latest) o["delivery_mode"] = w.deliveryMode;
    if (full) {
      o["current_task"] = w.currentTask;
      o["budget_limit"] = w.budgetLimit;
      o["monthly_spend"] = w.monthlySpend;
      o["last_sample_error"] = w.lastSampleError;
      o["workspace_dir"] = w.workspaceDir;
    }
    return o;
  }

  /** Serialises an activity row as the wire shape of the current contract. */
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
    if (r.request_body !== undefined) o["request_body"] = r.request_body;
    if (r.response_body !== undefined) o["response_body"] = r.response_body;
    if (r.tool_trace !== undefined) o["tool_trace"] = r.tool_trace;
    if (
      this.latest &&
      r.activity_type === "a2a_receive" &&
      r.method !== "notify" &&
      r.request_body !== undefined
    ) {
      const peer = r.source_id === null ? undefined : this.ws(r.source_id);
      const text = envelopeText(r.request_body);
      let cardUrl: string | null = null;
      if (peer !== undefined && peer.url !== "") {
        try {
          cardUrl = new URL("/.well-known/agent-card.json", peer.url).toString();
        } catch {
          cardUrl = null;
        }
      }
      o["data"] = {
        source: r.source_id === null ? "canvas_user" : "peer_agent",
        source_id: r.source_id,
        method: r.method,
        text,
        message: text,
        peer_name: peer?.name ?? null,
        peer_role: peer?.role ?? null,
        agent_card_url: cardUrl,
      };
    }
    return o;
  }

  /** Appends an activity row and fans out `ACTIVITY_LOGGED`. */
  logActivity(row: Omit<ActivityRow, "seq" | "id" | "created_at">): ActivityRow {
    const r: ActivityRow = {
      ...row,
      seq: this.store.nextSeq(),
      id: newId(),
      created_at: this.now(),
    };
    this.store.addActivity(r);
    this.emit(r.workspace_id, "ACTIVITY_LOGGED", {
      id: r.id,
      activity_type: r.activity_type,
      method: r.method,
      source_id: r.source_id,
      target_id: r.target_id,
      status: r.status,
      summary: r.summary,
    });
    this.changed();
    return r;
  }

  // ---------------------------------------------------------------- events (SSE)

  emit(workspaceId: string, type: string, data: unknown): void {
    const subs = this.subscribers.get(workspaceId);
    if (subs === undefined || subs.size === 0) return;
    const payload = JSON.stringify({
      type,
      workspace_id: workspaceId,
      timestamp: this.now(),
      data,
    });
    const frame = this.latest ? `event: ${type}\ndata: ${payload}\n\n` : `data: ${payload}\n\n`;
    for (const res of subs) res.write(frame);
  }

  private eventStream(ctx: Ctx, id: string): void {
    if (this.ws(id) === undefined) throw new HttpError(404, { error: "workspace not found" });
    const res = ctx.res;
    const h = ctx.headers;
    h["Content-Type"] = "text/event-stream";
    h["Cache-Control"] = "no-cache";
    h["Connection"] = "keep-alive";
    h["X-Accel-Buffering"] = "no";
    res.writeHead(200, h);
    res.write(": ping\n\n");
    let subs = this.subscribers.get(id);
    if (subs === undefined) {
      subs = new Set();
      this.subscribers.set(id, subs);
    }
    subs.add(res);
    const timer = setInterval(() => res.write(": ping\n\n"), this.s.sseKeepAliveMs);
    timer.unref();
    const done = (): void => {
      clearInterval(timer);
      subs.delete(res);
    };
    res.on("close", done);
    ctx.req.socket.setTimeout(0);
  }

  /** Ends every SSE stream (emulator close). */
  closeStreams(): void {
    for (const subs of this.subscribers.values()) for (const res of subs) res.end();
    this.subscribers.clear();
  }

  // ---------------------------------------------------------------- workspaces CRUD

  private async createWorkspace(ctx: Ctx): Promise<void> {
    this.adminAuth(ctx);
    const b = await this.body(ctx, "invalid workspace payload");
    let name: string, role: string, runtime: string, url: string, tier: number, external: boolean;
    let parentId: string, maxConc: number, budget: number | null;
    let secrets: Record<string, string> = {};
    try {
      name = reqString(b, "name");
      role = optString(b, "role");
      runtime = optString(b, "runtime");
      url = optString(b, "url");
      tier = optInt(b, "tier");
      external = optBool(b, "external");
      parentId = optString(b, "parent_id");
      maxConc = optInt(b, "max_concurrent_tasks");
      budget =
        b["budget_limit"] === undefined || b["budget_limit"] === null
          ? null
          : optInt(b, "budget_limit");
      optString(b, "model");
      optString(b, "template");
      if (b["secrets"] !== undefined && b["secrets"] !== null) {
        if (!isObject(b["secrets"])) throw new BindError("secrets");
        for (const [k, v] of Object.entries(b["secrets"])) {
          if (typeof v !== "string") throw new BindError("secrets");
          secrets[k] = v;
        }
      }
      if (b["canvas"] !== undefined && b["canvas"] !== null) {
        if (!isObject(b["canvas"])) throw new BindError("canvas");
        optFloat(b["canvas"], "x");
        optFloat(b["canvas"], "y");
      }
    } catch (e) {
      if (e instanceof BindError) throw new HttpError(400, { error: "invalid workspace payload" });
      throw e;
    }
    if (
      Buffer.byteLength(name) > 255 ||
      NAME_BAD_CHARS.test(name) ||
      Buffer.byteLength(role) > 1000 ||
      NAME_BAD_CHARS.test(role) ||
      runtime.length > 100 ||
      /[\n\r]/.test(runtime)
    )
      throw new HttpError(400, { error: "invalid workspace fields" });
    const access = optString(b, "workspace_access", "none");
    if (!["none", "read_only", "read_write"].includes(access))
      throw new HttpError(400, { error: "invalid workspace access" });
    if (parentId !== "") {
      // Postgres rejects a non-UUID and the foreign key an unknown one: the real server's 500.
      if (!UUID_ANY_RE.test(parentId) || this.ws(parentId.toLowerCase()) === undefined)
        throw new HttpError(500, { error: MALFORMED_ID_ERROR.create });
      parentId = parentId.toLowerCase();
    }
    const isExternal = external || runtime === "external";
    const now = this.now();
    const id = newId();
    const w: WorkspaceRow = {
      id,
      name,
      role: role === "" ? null : role,
      tier: tier === 0 ? 3 : tier,
      status: "provisioning",
      runtime: runtime === "" ? "langgraph" : runtime,
      url: "",
      agentCard: null,
      parentId: parentId === "" ? null : parentId,
      activeTasks: 0,
      maxConcurrentTasks: maxConc <= 0 ? 1 : maxConc,
      lastErrorRate: 0,
      lastSampleError: "",
      uptimeSeconds: 0,
      currentTask: "",
      monthlySpend: 0,
      budgetLimit: budget,
      lastHeartbeatAt: null,
      lastOutboundAt: null,
      createdAt: now,
      updatedAt: now,
      removedAt: null,
      deliveryMode: "push",
      inboundSecret: newToken(),
      capabilities: {},
      x: 0,
      y: 0,
      collapsed: false,
      workspaceDir: null,
      workspaceAccess: access,
    };
    if (isObject(b["canvas"])) {
      w.x = typeof b["canvas"]["x"] === "number" ? b["canvas"]["x"] : 0;
      w.y = typeof b["canvas"]["y"] === "number" ? b["canvas"]["y"] : 0;
    }
    this.store.workspaces.set(id, w);
    if (Object.keys(secrets).length > 0) {
      const m = new Map<
        string,
        { key: string; value: string; createdAt: number; updatedAt: number }
      >();
      for (const [k, v] of Object.entries(secrets))
        m.set(k, { key: k, value: v, createdAt: now, updatedAt: now });
      this.store.secrets.set(id, m);
    }
    this.emit(id, "WORKSPACE_PROVISIONING", { name, tier: w.tier, runtime: w.runtime });
    this.changed();
    if (!isExternal) {
      // No provisioner in the emulator: the row is marked failed at once (platform-api.md §3.1).
      w.status = "failed";
      this.json(ctx, 201, {
        id,
        status: "provisioning",
        awareness_namespace: `workspace:${id}`,
        workspace_access: access,
      });
      return;
    }
    if (url !== "") {
      w.status = "online";
      w.runtime = "external";
      w.url = url;
      w.lastHeartbeatAt = now;
      this.emit(id, "WORKSPACE_ONLINE", { name, external: true });
      this.json(ctx, 201, { id, external: true, status: "online" });
      return;
    }
    // External without URL: token minted once. Baseline keeps status provisioning (enum bug).
    if (this.latest) {
      w.status = "awaiting_agent";
      w.runtime = "external";
      w.deliveryMode = "poll";
    } else if (runtime === "external") {
      w.runtime = "external";
    }
    const token = this.mintToken(id);
    this.emit(id, "WORKSPACE_AWAITING_AGENT", { name });
    const host = ctx.req.headers.host;
    const platformUrl = host !== undefined ? `http://${host}` : this.baseUrl;
    this.json(ctx, 201, {
      id,
      external: true,
      status: "awaiting_agent",
      connection: {
        workspace_id: id,
        platform_url: platformUrl,
        auth_token: token,
        registry_endpoint: `${platformUrl}/registry/register`,
        heartbeat_endpoint: `${platformUrl}/registry/heartbeat`,
        curl_register_template:
          `curl -X POST ${platformUrl}/registry/register -H 'Content-Type: application/json' ` +
          `-H 'Authorization: Bearer <auth_token>' -d '{"id":"${id}","url":"<your agent url>","agent_card":{"name":"${name}"}}'`,
        python_snippet:
          `from molecule_agent import RemoteAgentClient\n` +
          `client = RemoteAgentClient(workspace_id="${id}", platform_url="${platformUrl}")\nclient.register()\n`,
      },
    });
  }

  private listWorkspaces(ctx: Ctx): void {
    this.adminAuth(ctx);
    const out: Record<string, unknown>[] = [];
    for (const w of this.store.workspaces.values())
      if (w.status !== "removed") out.push(this.workspaceJson(w, true));
    this.json(ctx, 200, out);
  }

  private getWorkspace(ctx: Ctx, id: string): void {
    if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
    const w = this.ws(id.toLowerCase());
    if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
    if (w.status === "removed" && this.latest && ctx.query.get("include_removed") !== "true")
      throw new HttpError(410, {
        error: "workspace removed",
        id: w.id,
        removed_at: iso(w.removedAt ?? w.updatedAt),
        hint: "this workspace was deleted; its tokens are revoked. Pass ?include_removed=true to read it anyway.",
      });
    this.json(ctx, 200, this.workspaceJson(w, false));
  }

  private deleteWorkspace(ctx: Ctx, id: string): void {
    this.adminAuth(ctx);
    if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
    id = id.toLowerCase();
    const purge = ctx.query.get("purge") === "true";
    const w = this.ws(id);
    const children = this.descendants(id);
    const direct = children.filter((c) => c.parentId === id);
    if (direct.length > 0 && ctx.query.get("confirm") !== "true")
      throw new HttpError(409, {
        status: "confirmation_required",
        message: `workspace has ${direct.length} child workspace(s); pass ?confirm=true to delete them too`,
        children: direct.map((c) => ({ id: c.id, name: c.name })),
        children_count: direct.length,
      });
    const now = this.now();
    const all = w === undefined ? children : [...children, w];
    for (const x of all) {
      if (x.status !== "removed") {
        x.status = "removed";
        x.removedAt = now;
        x.updatedAt = now;
      }
      for (const t of this.store.tokensOf(x.id)) this.store.revokeToken(t, now);
      for (const q of this.store.queue)
        if (q.workspaceId === x.id && q.status === "queued") q.status = "failed";
    }
    for (const c of children) this.emit(c.id, "WORKSPACE_REMOVED", {});
    if (w !== undefined) this.emit(id, "WORKSPACE_REMOVED", { cascade_deleted: children.length });
    if (purge) for (const x of all) this.store.purgeWorkspace(x.id);
    this.changed();
    this.json(ctx, 200, { status: purge ? "purged" : "removed", cascade_deleted: children.length });
  }

  // ---------------------------------------------------------------- registry

  private checkAgentUrl(raw: string, use: AgentUrlUse): Promise<boolean> {
    return agentUrlAllowed(raw, use, {
      devMode: this.s.devMode,
      lenientRegister: this.s.lenientAgentUrls,
    });
  }

  private async register(ctx: Ctx): Promise<void> {
    const b = await this.body(ctx, "invalid request body");
    let id: string, url: string, mode: string;
    try {
      id = reqString(b, "id");
      url = optString(b, "url");
      mode = this.latest ? optString(b, "delivery_mode") : "";
    } catch {
      throw new HttpError(400, { error: "invalid request body" });
    }
    if (b["agent_card"] === undefined || b["agent_card"] === null)
      throw new HttpError(400, { error: "invalid request body" });
    const existing = UUID_ANY_RE.test(id) ? this.ws(id.toLowerCase()) : undefined;
    let deliveryMode: "push" | "poll";
    if (this.latest) {
      if (mode !== "" && mode !== "push" && mode !== "poll")
        throw new HttpError(400, { error: "invalid delivery_mode: must be 'push' or 'poll'" });
      deliveryMode = mode === "poll" || (mode === "" && url === "") ? "poll" : "push";
      if (deliveryMode === "push" && url === "")
        throw new HttpError(400, { error: "invalid request body" });
    } else {
      deliveryMode = "push";
      if (url === "") throw new HttpError(400, { error: "invalid request body" });
    }
    if (url !== "" && !(await this.checkAgentUrl(url, "register")))
      throw new HttpError(400, { error: "invalid request body" });
    // A non-UUID id has no token (the lazy check passes) and then fails the upsert.
    if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: MALFORMED_ID_ERROR.register });
    id = id.toLowerCase();
    this.lazy(ctx, id);
    const now = this.now();
    let w = existing;
    if (w === undefined) {
      w = {
        id,
        name: id,
        role: null,
        tier: 1,
        status: "online",
        runtime: "langgraph",
        url,
        agentCard: b["agent_card"],
        parentId: null,
        activeTasks: 0,
        maxConcurrentTasks: 1,
        lastErrorRate: 0,
        lastSampleError: "",
        uptimeSeconds: 0,
        currentTask: "",
        monthlySpend: 0,
        budgetLimit: null,
        lastHeartbeatAt: now,
        lastOutboundAt: null,
        createdAt: now,
        updatedAt: now,
        removedAt: null,
        deliveryMode,
        inboundSecret: newToken(),
        capabilities: {},
        x: 0,
        y: 0,
        collapsed: false,
        workspaceDir: null,
        workspaceAccess: "none",
      };
      this.store.workspaces.set(id, w);
    } else if (w.status !== "removed") {
      if (!w.url.startsWith("http://127.0.0.1") || url === "" || deliveryMode === "poll")
        w.url = url;
      w.agentCard = b["agent_card"];
      w.status = "online";
      w.lastHeartbeatAt = now;
      w.updatedAt = now;
      w.deliveryMode = deliveryMode;
    }
    this.emit(id, "WORKSPACE_ONLINE", { url, agent_card: b["agent_card"] });
    const out: Record<string, unknown> = { status: "registered" };
    if (this.store.liveTokenCount(id) === 0) out["auth_token"] = this.mintToken(id);
    if (this.latest) {
      out["delivery_mode"] = deliveryMode;
      out["platform_inbound_secret"] = w.inboundSecret;
    }
    this.changed();
    this.json(ctx, 200, out);
  }

  private async heartbeat(ctx: Ctx): Promise<void> {
    const b = await this.body(ctx, "invalid request body", HEARTBEAT_INT_AS_FLOAT);
    let id: string, errorRate: number, sampleError: string, active: number, uptime: number;
    let currentTask: string | undefined, spend: number, runtimeState: string;
    let caps: Record<string, boolean> | undefined;
    try {
      id = reqString(b, "workspace_id");
      errorRate = optFloat(b, "error_rate");
      sampleError = optString(b, "sample_error");
      active = optInt(b, "active_tasks");
      uptime = optInt(b, "uptime_seconds");
      currentTask = optString(b, "current_task");
      spend = optInt(b, "monthly_spend");
      runtimeState = optString(b, "runtime_state");
      const md = b["runtime_metadata"];
      if (md !== undefined && md !== null) {
        if (!isObject(md)) throw new BindError("runtime_metadata");
        optInt(md, "idle_timeout_seconds");
        const c = md["capabilities"];
        if (c !== undefined && c !== null) {
          if (!isObject(c)) throw new BindError("capabilities");
          caps = {};
          for (const k of Object.keys(c)) caps[k] = optBool(c, k);
        }
      }
    } catch {
      throw new HttpError(400, { error: "invalid request body" });
    }
    if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: MALFORMED_ID_ERROR.heartbeat });
    if (id.charCodeAt(0) > 0x60 || id !== id.toLowerCase()) id = id.toLowerCase();
    const w = this.ws(id);
    if (this.latest && w !== undefined && w.status === "removed")
      throw new HttpError(401, {
        error:
          ctx.bearer === undefined
            ? "missing workspace auth token"
            : "invalid workspace auth token",
      });
    this.lazy(ctx, id);
    if (w === undefined || w.status === "removed") return this.json(ctx, 200, { status: "ok" });
    const now = this.now();
    w.lastHeartbeatAt = now;
    let log = this.heartbeatLog.get(id);
    if (log === undefined) this.heartbeatLog.set(id, (log = []));
    if (log.push(now) > 1_000) log.shift();
    w.lastErrorRate = errorRate;
    w.lastSampleError = sampleError;
    w.activeTasks = active;
    w.uptimeSeconds = uptime;
    const taskChanged = w.currentTask !== currentTask;
    w.currentTask = currentTask;
    if (spend > 0) w.monthlySpend = Math.min(spend, 1e12);
    w.capabilities = caps ?? {};
    if (taskChanged)
      this.emit(id, "TASK_UPDATED", { current_task: currentTask, active_tasks: active });
    this.emit(id, "WORKSPACE_HEARTBEAT", { active_tasks: active, uptime_seconds: uptime });
    // evaluateStatus
    const st = w.status;
    if (runtimeState === "wedged" && st === "online") {
      this.setStatus(w, "degraded", "WORKSPACE_DEGRADED", {
        runtime_state: runtimeState,
        sample_error: sampleError,
      });
    } else if (w.capabilities["status_mgmt"] !== true && st === "online" && errorRate >= 0.5) {
      this.setStatus(w, "degraded", "WORKSPACE_DEGRADED", {
        error_rate: errorRate,
        sample_error: sampleError,
      });
    } else if (
      w.capabilities["status_mgmt"] !== true &&
      st === "degraded" &&
      errorRate < 0.1 &&
      runtimeState === ""
    ) {
      this.setStatus(w, "online", "WORKSPACE_ONLINE", {});
    } else if (st === "offline" || st === "provisioning" || st === "awaiting_agent") {
      this.setStatus(w, "online", "WORKSPACE_ONLINE", { recovered_from: st });
    }
    const fl = this.inflight.get(id);
    if (fl !== undefined) for (const touch of fl) touch();
    if (this.store.queue.length > 0 && active < w.maxConcurrentTasks) this.drainOne(w);
    if (this.statePersisted) this.changed();
    this.json(ctx, 200, { status: "ok" });
  }

  /** Set when a state file is configured (heartbeats then mark the store dirty). */
  statePersisted = false;

  private async updateCard(ctx: Ctx): Promise<void> {
    const b = await this.body(ctx, "invalid request body");
    let id: string;
    try {
      id = reqString(b, "workspace_id");
    } catch {
      throw new HttpError(400, { error: "invalid request body" });
    }
    if (b["agent_card"] === undefined || b["agent_card"] === null)
      throw new HttpError(400, { error: "invalid request body" });
    if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid request body" });
    id = id.toLowerCase();
    this.lazy(ctx, id);
    const w = this.ws(id);
    if (w !== undefined && w.status !== "removed") {
      w.agentCard = b["agent_card"];
      w.updatedAt = this.now();
      this.emit(id, "AGENT_CARD_UPDATED", { agent_card: b["agent_card"] });
      this.changed();
    }
    this.json(ctx, 200, { status: "updated" });
  }

  private async checkAccess(ctx: Ctx): Promise<void> {
    const b = await this.body(ctx, "invalid request body");
    let caller: string, target: string;
    try {
      caller = reqString(b, "caller_id");
      target = reqString(b, "target_id");
    } catch {
      throw new HttpError(400, { error: "invalid request body" });
    }
    this.json(ctx, 200, {
      allowed: this.canCommunicate(caller.toLowerCase(), target.toLowerCase()),
    });
  }

  private async discover(ctx: Ctx, targetId: string): Promise<void> {
    const caller = ctx.req.headers["x-workspace-id"];
    if (typeof caller !== "string" || caller === "")
      throw new HttpError(400, { error: "X-Workspace-ID header is required" });
    this.lazy(ctx, caller);
    if (!this.canCommunicate(caller, targetId))
      throw new HttpError(403, { error: "not authorized to discover this workspace" });
    const t = this.ws(targetId);
    if (t === undefined) throw new HttpError(404, { error: "workspace not found" });
    if (t.runtime === "external" && t.url !== "") {
      let url = t.url;
      const c = this.ws(caller);
      if (c?.runtime !== "external")
        url = url.replace(
          /^(https?:\/\/)(127\.0\.0\.1|localhost)(?=[:/]|$)/,
          "$1host.docker.internal",
        );
      if (!(await this.checkAgentUrl(t.url, "dispatch")))
        throw new HttpError(503, { error: "workspace URL failed safety check" });
      return this.json(ctx, 200, { id: t.id, url, name: t.name });
    }
    if (t.url !== "") return this.json(ctx, 200, { id: t.id, url: t.url, name: t.name });
    if (
      this.latest &&
      t.deliveryMode === "poll" &&
      (t.status === "online" || t.status === "degraded")
    )
      return this.json(ctx, 200, { id: t.id, url: "", name: t.name, delivery_mode: "poll" });
    if (t.status === "online" || t.status === "degraded")
      return this.json(ctx, 200, {
        id: t.id,
        url: `http://ws-${t.id.slice(0, 12)}:8000`,
        name: t.name,
      });
    throw new HttpError(503, { error: "workspace not available", status: t.status });
  }

  private peers(ctx: Ctx, id: string): void {
    this.lazy(ctx, id);
    const me = this.ws(id);
    if (me === undefined) throw new HttpError(404, { error: "workspace not found" });
    const q = (ctx.query.get("q") ?? "").toLowerCase();
    const all = [...this.store.workspaces.values()].filter(
      (w) => w.status !== "removed" && w.id !== id,
    );
    const siblings = all.filter((w) => w.parentId === me.parentId);
    const children = all.filter((w) => w.parentId === id);
    const parent = me.parentId === null ? [] : all.filter((w) => w.id === me.parentId);
    if (peersQueryPanics(this.s.compat, q, [...siblings, ...children, ...parent]))
      return writeRecoveredPanic(ctx.res, ctx.headers);
    const out: Record<string, unknown>[] = [];
    for (const w of [...siblings, ...children, ...parent]) {
      if (
        q !== "" &&
        !w.name.toLowerCase().includes(q) &&
        !(w.role ?? "").toLowerCase().includes(q)
      )
        continue;
      out.push({
        id: w.id,
        name: w.name,
        role: w.role,
        tier: w.tier,
        status: w.status,
        url: w.url,
        parent_id: w.parentId,
        active_tasks: w.activeTasks,
        agent_card: w.agentCard ?? null,
      });
    }
    this.json(ctx, 200, out);
  }

  private testToken(ctx: Ctx, id: string): void {
    if (!this.isAdmin(ctx)) throw new HttpError(401, { error: "admin auth required" });
    const w = this.ws(id);
    if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
    this.json(ctx, 200, { auth_token: this.mintToken(id), workspace_id: id });
  }

  // ---------------------------------------------------------------- state, secrets, tokens, lifecycle

  private state(ctx: Ctx, id: string): void {
    this.lazy(ctx, id);
    const w = this.ws(id);
    if (w === undefined) return this.json(ctx, 404, { workspace_id: id, deleted: true });
    if (w.status === "removed")
      return this.json(ctx, 404, { workspace_id: id, status: "removed", deleted: true });
    this.json(ctx, 200, {
      workspace_id: id,
      status: w.status,
      paused: w.status === "paused",
      deleted: false,
    });
  }

  private listSecrets(ctx: Ctx, id: string): void {
    if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
    const m = this.store.secrets.get(id);
    const rows = m === undefined ? [] : [...m.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    this.json(
      ctx,
      200,
      rows.map((r) => ({
        key: r.key,
        has_value: true,
        scope: "workspace",
        created_at: iso(r.createdAt),
        updated_at: iso(r.updatedAt),
      })),
    );
  }

  private secretValues(ctx: Ctx, id: string): void {
    if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
    this.lazy(ctx, id);
    const out: Record<string, string> = {};
    for (const r of this.store.secrets.get(id)?.values() ?? []) out[r.key] = r.value;
    this.json(ctx, 200, out);
  }

  private async putSecret(ctx: Ctx, id: string): Promise<void> {
    if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
    const b = await this.body(ctx, "invalid request body");
    let key: string, value: string;
    try {
      key = reqString(b, "key");
      value = reqString(b, "value");
    } catch {
      throw new HttpError(400, { error: "invalid request body" });
    }
    let m = this.store.secrets.get(id);
    if (m === undefined) {
      m = new Map();
      this.store.secrets.set(id, m);
    }
    const now = this.now();
    const prev = m.get(key);
    m.set(key, { key, value, createdAt: prev?.createdAt ?? now, updatedAt: now });
    this.changed();
    this.json(ctx, 200, { status: "saved", key });
  }

  private deleteSecret(ctx: Ctx, id: string, key: string): void {
    if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
    const m = this.store.secrets.get(id);
    if (m === undefined || !m.delete(key)) throw new HttpError(404, { error: "secret not found" });
    this.changed();
    this.json(ctx, 200, { status: "deleted", key });
  }

  private listTokens(ctx: Ctx, id: string): void {
    let limit = Number.parseInt(ctx.query.get("limit") ?? "50", 10);
    if (!Number.isFinite(limit) || limit < 1 || limit > 200) limit = 50;
    let offset = Number.parseInt(ctx.query.get("offset") ?? "0", 10);
    if (!Number.isFinite(offset) || offset < 0) offset = 0;
    const live = this.store
      .tokensOf(id)
      .filter((t) => t.revokedAt === null)
      .sort((a, b) => b.createdAt - a.createdAt);
    const page = live.slice(offset, offset + limit).map((t) => ({
      id: t.id,
      prefix: t.prefix,
      created_at: iso(t.createdAt),
      last_used_at: t.lastUsedAt === null ? null : iso(t.lastUsedAt),
    }));
    this.json(ctx, 200, { tokens: page, count: page.length });
  }

  private createToken(ctx: Ctx, id: string): void {
    if (this.store.liveTokenCount(id) >= 50)
      throw new HttpError(429, { error: "maximum 50 active tokens per workspace" });
    const token = this.mintToken(id);
    this.json(ctx, 201, {
      auth_token: token,
      workspace_id: id,
      message: "Save this token now — it cannot be retrieved again.",
    });
  }

  private revokeToken(ctx: Ctx, id: string, tokenId: string): void {
    const t = this.store.tokensById.get(tokenId);
    if (t === undefined || t.workspaceId !== id || t.revokedAt !== null)
      throw new HttpError(404, { error: "token not found or already revoked" });
    this.store.revokeToken(t, this.now());
    this.changed();
    this.json(ctx, 200, { status: "revoked" });
  }

  private pause(ctx: Ctx, id: string): void {
    const w = this.ws(id);
    if (w === undefined || w.status === "removed" || w.status === "paused")
      throw new HttpError(404, { error: "workspace not found or already paused" });
    const all = [w, ...this.descendants(id).filter((d) => d.status !== "paused")];
    for (const x of all) {
      x.url = "";
      this.setStatus(x, "paused", "WORKSPACE_PAUSED", {});
    }
    this.changed();
    this.json(ctx, 200, { status: "paused", paused_count: all.length });
  }

  private resume(ctx: Ctx, id: string): void {
    const w = this.ws(id);
    if (w === undefined || w.status === "removed")
      throw new HttpError(404, { error: "workspace not found" });
    if (w.status !== "paused") throw new HttpError(409, { error: "workspace is not paused" });
    for (let p = w.parentId === null ? undefined : this.ws(w.parentId); p !== undefined;) {
      if (p.status === "paused")
        throw new HttpError(409, { error: "cannot resume: an ancestor workspace is paused" });
      p = p.parentId === null ? undefined : this.ws(p.parentId);
    }
    // The real server provisions a container; the emulator hands an external workspace back to
    // its agent, which must register again (pause blanked its URL).
    const next = this.latest ? "awaiting_agent" : "provisioning";
    const all = [w, ...this.descendants(id).filter((d) => d.status === "paused")];
    for (const x of all) this.setStatus(x, next, "WORKSPACE_PROVISIONING", { name: x.name });
    this.changed();
    this.json(ctx, 200, { status: next, resumed_count: all.length });
  }

  // ---------------------------------------------------------------- activity, notify

  private listActivity(ctx: Ctx, id: string): void {
    const q = ctx.query;
    const type = q.get("type");
    const source = q.get("source");
    if (source !== null && source !== "" && source !== "canvas" && source !== "agent")
      throw new HttpError(400, { error: "source must be 'canvas' or 'agent'" });
    let limit = Number.parseInt(q.get("limit") ?? "", 10);
    if (!Number.isFinite(limit) || limit <= 0) limit = 100;
    if (limit > 500) limit = 500;
    const rows = this.store.activity.get(id) ?? [];
    const keep = (r: ActivityRow): boolean =>
      (type === null || type === "" || r.activity_type === type) &&
      (source !== "canvas" || r.source_id === null) &&
      (source !== "agent" || r.source_id !== null);
    if (!this.latest) {
      const out: Record<string, unknown>[] = [];
      for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
        const r = rows[i] as ActivityRow;
        if (keep(r)) out.push(this.activityJson(r));
      }
      return this.json(ctx, 200, out);
    }
    const sinceId = q.get("since_id");
    const sinceSecs = q.get("since_secs");
    const peerId = q.get("peer_id");
    const beforeTs = q.get("before_ts");
    let startSeq = -1;
    if (sinceId !== null && sinceId !== "") {
      const cur = this.store.activityById.get(sinceId.toLowerCase());
      if (cur === undefined || cur.workspace_id !== id)
        throw new HttpError(410, {
          error: "since_id cursor not found (unknown or pruned); re-seed with since_secs",
          since_id: sinceId,
        });
      startSeq = cur.seq;
    }
    let after = -Infinity;
    if (sinceSecs !== null && sinceSecs !== "") {
      const n = Number(sinceSecs);
      if (!Number.isInteger(n) || n < 0)
        throw new HttpError(400, { error: "since_secs must be a non-negative integer" });
      after = this.now() - n * 1000;
    }
    let before = Infinity;
    if (beforeTs !== null && beforeTs !== "") {
      const t = Date.parse(beforeTs);
      if (Number.isNaN(t))
        throw new HttpError(400, { error: "before_ts must be an RFC3339 timestamp" });
      before = t;
    }
    const keep2 = (r: ActivityRow): boolean =>
      keep(r) &&
      r.seq > startSeq &&
      r.created_at >= after &&
      r.created_at < before &&
      (peerId === null ||
        peerId === "" ||
        r.source_id === peerId ||
        (r.source_id === id && r.target_id === peerId));
    const out: Record<string, unknown>[] = [];
    if (startSeq >= 0 || after !== -Infinity) {
      // cursor / window: oldest first, strictly after the cursor
      for (const r of rows) {
        if (out.length >= limit) break;
        if (keep2(r)) out.push(this.activityJson(r));
      }
    } else {
      for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
        const r = rows[i] as ActivityRow;
        if (keep2(r)) out.push(this.activityJson(r));
      }
    }
    this.json(ctx, 200, out);
  }

  private async reportActivity(ctx: Ctx, id: string): Promise<void> {
    const b = await this.body(ctx, "invalid request body");
    let type: string,
      method: string,
      summary: string,
      target: string,
      source: string,
      status: string;
    let errorDetail: string, duration: number | null;
    try {
      type = reqString(b, "activity_type");
      method = optString(b, "method");
      summary = optString(b, "summary");
      target = optString(b, "target_id");
      source = optString(b, "source_id");
      status = optString(b, "status", "ok") || "ok";
      errorDetail = optString(b, "error_detail");
      duration =
        b["duration_ms"] === undefined || b["duration_ms"] === null
          ? null
          : optInt(b, "duration_ms");
    } catch {
      throw new HttpError(400, { error: "invalid request body" });
    }
    if (!ACTIVITY_TYPES.includes(type))
      throw new HttpError(400, {
        error: `invalid activity_type, must be one of: ${ACTIVITY_TYPES.join(", ")}`,
      });
    if (source !== "" && source !== id)
      throw new HttpError(403, { error: "source_id must match authenticated workspace" });
    const reqBody = b["request_body"] ?? b["metadata"];
    this.logActivity({
      workspace_id: id,
      activity_type: type,
      source_id: source === "" ? null : source,
      target_id: target === "" ? null : target,
      method: method === "" ? null : method,
      summary: summary === "" ? null : summary,
      duration_ms: duration,
      status,
      error_detail: errorDetail === "" ? null : errorDetail,
      ...(reqBody !== undefined && reqBody !== null ? { request_body: reqBody } : {}),
      ...(b["response_body"] !== undefined && b["response_body"] !== null
        ? { response_body: b["response_body"] }
        : {}),
    });
    this.json(ctx, 200, { status: "logged" });
  }

  private async notify(ctx: Ctx, id: string): Promise<void> {
    const b = await this.body(ctx, "message is required");
    const message = b["message"];
    if (typeof message !== "string" || message === "")
      throw new HttpError(400, { error: "message is required" });
    const atts = b["attachments"];
    const parts: Record<string, unknown>[] = [];
    if (atts !== undefined && atts !== null) {
      if (!Array.isArray(atts)) throw new HttpError(400, { error: "message is required" });
      for (let i = 0; i < atts.length; i++) {
        const a = atts[i] as unknown;
        if (
          !isObject(a) ||
          typeof a["uri"] !== "string" ||
          a["uri"] === "" ||
          typeof a["name"] !== "string" ||
          a["name"] === ""
        )
          throw new HttpError(400, { error: `attachment[${i}]: uri and name are required` });
        const file: Record<string, unknown> = { uri: a["uri"], name: a["name"] };
        if (typeof a["mimeType"] === "string") file["mimeType"] = a["mimeType"];
        if (typeof a["size"] === "number") file["size"] = a["size"];
        parts.push({ kind: "file", file });
      }
    }
    const w = this.ws(id);
    if (w === undefined || w.status === "removed")
      throw new HttpError(404, { error: "workspace not found" });
    const preview = Buffer.from(message).subarray(0, 80).toString("utf8");
    this.emit(id, "AGENT_MESSAGE", {
      message,
      workspace_id: id,
      name: w.name,
      ...(parts.length > 0 ? { attachments: atts } : {}),
    });
    this.logActivity({
      workspace_id: id,
      activity_type: "a2a_receive",
      source_id: null,
      target_id: null,
      method: "notify",
      summary: `Agent message: ${preview}${Buffer.byteLength(message) > 80 ? "…" : ""}`,
      duration_ms: null,
      status: "ok",
      error_detail: null,
      response_body: parts.length > 0 ? { result: message, parts } : { result: message },
    });
    this.json(ctx, 200, { status: "sent" });
  }

  // ---------------------------------------------------------------- A2A proxy

  /** normalizeA2APayload */
  private normalize(v: unknown): Record<string, unknown> {
    if (!isObject(v)) throw new HttpError(400, { error: "invalid JSON" });
    let env = v;
    if (!("jsonrpc" in v))
      env = {
        jsonrpc: "2.0",
        id: newId(),
        method: v["method"] ?? null,
        params: v["params"] ?? null,
      };
    const params = env["params"];
    if (isObject(params) && isObject(params["message"]) && !("messageId" in params["message"]))
      params["message"]["messageId"] = newId();
    return env;
  }

  private async a2a(ctx: Ctx, id: string): Promise<void> {
    const buf = await readBody(ctx.req, A2A_MAX_BODY, true);
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString("utf8"));
    } catch {
      throw new HttpError(400, { error: "invalid JSON" });
    }
    const who = resolveA2ACaller(ctx.req.headers, id, {
      latest: this.latest,
      lazyCheck: (caller) => this.lazyFailure(ctx, caller),
      bearerIsTokenOf: (caller) => this.tokenFor(ctx, caller) !== undefined,
      canCommunicate: (a, b) => this.canCommunicate(a, b),
    });
    if (who.callerId === undefined) throw new HttpError(who.status, { error: who.error });
    const callerId = who.callerId;
    const env = this.normalize(parsed);
    const target = this.ws(id);
    if (target === undefined) throw new HttpError(404, { error: "workspace not found" });
    if (target.budgetLimit !== null && target.monthlySpend >= target.budgetLimit)
      throw new HttpError(402, { error: "workspace budget limit exceeded" });
    const r = await this.deliver(target, callerId, env, undefined);
    ctx.headers["Content-Type"] = "application/json";
    if (r.raw !== undefined) {
      ctx.headers["Content-Length"] = r.raw.length;
      if (r.headers !== undefined) Object.assign(ctx.headers, r.headers);
      ctx.res.writeHead(r.status, ctx.headers);
      ctx.res.end(r.raw);
      return;
    }
    this.json(ctx, r.status, r.body, r.headers);
  }

  /** Resolves the target and delivers one normalised envelope (proxy, delegation, queue drain). */
  private async deliver(
    target: WorkspaceRow,
    callerId: string | null,
    env: Record<string, unknown>,
    fromQueue: QueueRow | undefined,
  ): Promise<Forward> {
    const method = typeof env["method"] === "string" ? env["method"] : null;
    const caller = callerId === null ? undefined : this.ws(callerId);
    if (
      this.latest &&
      target.deliveryMode === "poll" &&
      target.status !== "paused" &&
      fromQueue === undefined
    ) {
      const row = this.logActivity({
        workspace_id: target.id,
        activity_type: "a2a_receive",
        source_id: callerId,
        target_id: target.id,
        method,
        summary: `${method ?? "a2a"} → ${target.name}`,
        duration_ms: 0,
        status: "ok",
        error_detail: null,
        request_body: env,
      });
      if (caller !== undefined) caller.lastOutboundAt = this.now();
      const depth = (this.store.activity.get(target.id) ?? []).filter(
        (r) => r.activity_type === "a2a_receive" && r.method !== "notify",
      ).length;
      return {
        status: 202,
        body: {
          queued: true,
          queue_id: row.id,
          queue_depth: depth,
          delivery_mode: "poll",
          message: "workspace uses poll delivery — message stored for the agent to poll",
        },
      };
    }
    if (target.url === "") {
      if (target.status === "hibernated")
        return {
          status: 503,
          body: {
            error: "workspace is waking from hibernation — retry in ~15 seconds",
            waking: true,
            retry_after: 15,
          },
          headers: { "Retry-After": "15" },
        };
      return { status: 503, body: { error: "workspace has no URL", status: target.status } };
    }
    const out = await this.forward(target, env);
    const base = {
      workspace_id: target.id,
      activity_type: "a2a_receive",
      source_id: callerId,
      target_id: target.id,
      method,
      duration_ms: out.durationMs,
      request_body: env as unknown,
    };
    switch (out.kind) {
      case "unsafe":
        return { status: 502, body: { error: "workspace URL is not publicly routable" } };
      case "ok": {
        const raw = out.body ?? Buffer.alloc(0);
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString("utf8"));
        } catch {
          parsed = undefined;
        }
        const rowBody: Record<string, unknown> = {};
        if (parsed !== undefined) {
          rowBody["response_body"] = parsed;
          const tt =
            isObject(parsed) && isObject(parsed["result"]) && isObject(parsed["result"]["metadata"])
              ? parsed["result"]["metadata"]["tool_trace"]
              : undefined;
          if (tt !== undefined) rowBody["tool_trace"] = tt;
        }
        this.logActivity({
          ...base,
          summary: `${method ?? "a2a"} → ${target.name}`,
          status: "ok",
          error_detail: null,
          ...rowBody,
        });
        if (caller !== undefined) caller.lastOutboundAt = this.now();
        if (callerId === null)
          this.emit(target.id, "A2A_RESPONSE", { response_body: parsed ?? null });
        if (this.latest && parsed !== undefined) {
          const copy = JSON.parse(raw.toString("utf8")) as unknown;
          if (wrapPeerResult(copy))
            return {
              status: out.status ?? 200,
              body: copy,
              unwrapped: parsed,
              raw: Buffer.from(JSON.stringify(copy)),
            };
        }
        return { status: out.status ?? 200, body: parsed, raw };
      }
      case "agent-error": {
        let msg = STATUS_TEXT[out.status ?? 502] ?? "error";
        try {
          const p = JSON.parse((out.body ?? Buffer.alloc(0)).toString("utf8")) as unknown;
          if (isObject(p) && typeof p["error"] === "string") msg = p["error"];
        } catch {
          // keep the status text
        }
        this.logActivity({
          ...base,
          summary: `A2A request to ${target.name} failed: HTTP ${out.status}`,
          status: "error",
          error_detail: msg,
        });
        return { status: out.status ?? 502, body: { error: msg } };
      }
      case "read-failed":
        this.logActivity({
          ...base,
          summary: `A2A request to ${target.name} failed: ${out.error}`,
          status: "error",
          error_detail: out.error ?? null,
        });
        return {
          status: 502,
          body: { error: "failed to read agent response", delivery_confirmed: true },
        };
      case "unreachable":
        this.logActivity({
          ...base,
          summary: `A2A request to ${target.name} failed: ${out.error}`,
          status: "error",
          error_detail: out.error ?? null,
        });
        return { status: 502, body: { error: "failed to reach workspace agent" } };
      case "busy": {
        this.logActivity({
          ...base,
          summary: `A2A request to ${target.name} failed: ${out.error}`,
          status: "error",
          error_detail: out.error ?? null,
        });
        if (fromQueue !== undefined) return { status: 503, body: { error: out.error } };
        if (target.capabilities["session"] === true)
          return {
            status: 503,
            body: {
              error: "workspace agent busy — adapter handles retry (native_session)",
              busy: true,
              retry_after: 30,
              native_session: true,
            },
            headers: { "Retry-After": "30" },
          };
        const q = this.enqueue(target, callerId, env);
        return {
          status: 202,
          body: {
            queued: true,
            queue_id: q.id,
            queue_depth: this.store.queue.filter(
              (x) => x.workspaceId === target.id && x.status === "queued",
            ).length,
            message: "workspace agent busy — request queued, will dispatch when capacity available",
          },
        };
      }
    }
  }

  private enqueue(
    target: WorkspaceRow,
    callerId: string | null,
    env: Record<string, unknown>,
  ): QueueRow {
    const params = env["params"];
    const mid =
      isObject(params) &&
      isObject(params["message"]) &&
      typeof params["message"]["messageId"] === "string"
        ? params["message"]["messageId"]
        : null;
    if (mid !== null) {
      const dup = this.store.queue.find(
        (q) =>
          q.workspaceId === target.id &&
          q.idempotencyKey === mid &&
          (q.status === "queued" || q.status === "dispatched"),
      );
      if (dup !== undefined) return dup;
    }
    const q: QueueRow = {
      id: newId(),
      workspaceId: target.id,
      callerId,
      envelope: env,
      idempotencyKey: mid,
      attempts: 0,
      status: "queued",
      createdAt: this.now(),
    };
    this.store.queue.push(q);
    this.changed();
    return q;
  }

  /** Dispatches one queued item of `w` in the background (heartbeat drain). */
  private drainOne(w: WorkspaceRow): void {
    const q = this.store.queue.find((x) => x.workspaceId === w.id && x.status === "queued");
    if (q === undefined) return;
    q.status = "dispatched";
    q.attempts++;
    const p = this.deliver(w, q.callerId, q.envelope, q).then((r) => {
      if (r.status >= 200 && r.status < 300) {
        q.status = "completed";
        const params = q.envelope["params"];
        const md =
          isObject(params) && isObject(params["message"])
            ? params["message"]["metadata"]
            : undefined;
        const did =
          isObject(md) && typeof md["delegation_id"] === "string" ? md["delegation_id"] : undefined;
        if (did !== undefined) this.finishDelegation(did, r.unwrapped ?? r.body);
      } else if (r.status === 202 || r.status === 503 || r.status === 502) {
        q.lastError = JSON.stringify(r.body);
        q.status = q.attempts >= this.s.queueMaxAttempts ? "failed" : "queued";
        if (q.status === "failed") {
          const params = q.envelope["params"];
          const md =
            isObject(params) && isObject(params["message"])
              ? params["message"]["metadata"]
              : undefined;
          if (isObject(md) && typeof md["delegation_id"] === "string")
            this.failDelegation(md["delegation_id"], "queue: max attempts");
        }
      } else {
        q.status = "failed";
      }
      this.changed();
    });
    this.track(p.catch(() => undefined));
  }

  /** Emulator view of the A2A queue of one workspace. */
  queueOf(id: string): QueueRow[] {
    return this.store.queue.filter((q) => q.workspaceId === id);
  }

  private async forward(
    target: WorkspaceRow,
    env: Record<string, unknown>,
  ): Promise<ForwardOutcome> {
    const started = Date.now();
    const url = target.url;
    const fault =
      this.faults.length > 0
        ? this.findFault("POST", `/workspaces/${target.id}/a2a`, "forward")
        : undefined;
    if (!(await this.checkAgentUrl(url, "dispatch"))) return { kind: "unsafe", durationMs: 0 };
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return { kind: "unsafe", durationMs: 0 };
    }
    const payload = Buffer.from(JSON.stringify(env));
    return new Promise<ForwardOutcome>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const set = this.inflight.get(target.id) ?? new Set<() => void>();
      this.inflight.set(target.id, set);
      const finish = (o: Omit<ForwardOutcome, "durationMs">): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        set.delete(touch);
        if (set.size === 0) this.inflight.delete(target.id);
        resolve({ ...o, durationMs: Date.now() - started });
      };
      const touch = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => {
          req.destroy();
          finish({ kind: "busy", error: "context deadline exceeded (idle timeout)" });
        }, this.s.forwardTimeoutMs);
        timer.unref?.();
      };
      set.add(touch);
      const mod = u.protocol === "https:" ? https : http;
      const req = mod.request(u, {
        method: "POST",
        agent: u.protocol === "https:" ? this.httpsAgent : this.httpAgent,
        headers: { "Content-Type": "application/json", "Content-Length": payload.length },
      });
      touch();
      req.on("error", (err: NodeJS.ErrnoException) => {
        const code = err.code ?? "";
        if (
          code === "ECONNRESET" ||
          code === "EPIPE" ||
          code === "ECONNABORTED" ||
          /socket hang up|EOF/i.test(err.message)
        )
          finish({ kind: "busy", error: err.message || code });
        else finish({ kind: "unreachable", error: code || err.message });
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size >= A2A_MAX_RESPONSE) return;
          const room = A2A_MAX_RESPONSE - size;
          chunks.push(c.length > room ? c.subarray(0, room) : c);
          size += Math.min(c.length, room);
        });
        res.on("error", (err) => finish({ kind: "read-failed", error: err.message }));
        res.on("aborted", () => finish({ kind: "read-failed", error: "response aborted" }));
        res.on("end", () => {
          const status = res.statusCode ?? 502;
          const body = Buffer.concat(chunks);
          finish({ kind: status >= 300 ? "agent-error" : "ok", status, body });
        });
      });
      const send = (): void => {
        if (fault?.reset === true) {
          req.destroy();
          finish({ kind: "busy", error: "connection reset by peer" });
          return;
        }
        if (fault?.status !== undefined) {
          req.destroy();
          const b = fault.body ?? { error: "injected fault" };
          finish({
            kind: fault.status >= 300 ? "agent-error" : "ok",
            status: fault.status,
            body: Buffer.from(typeof b === "string" ? b : JSON.stringify(b)),
          });
          return;
        }
        req.end(payload);
      };
      if (fault?.delayMs !== undefined && fault.delayMs > 0) {
        const t = setTimeout(send, fault.delayMs);
        t.unref?.();
      } else send();
    });
  }

  // ---------------------------------------------------------------- delegation

  private async delegate(ctx: Ctx, id: string): Promise<void> {
    const b = await this.body(ctx, "invalid delegation request");
    let targetId: string, task: string, key: string;
    try {
      targetId = reqString(b, "target_id");
      task = reqString(b, "task");
      key = optString(b, "idempotency_key");
    } catch {
      throw new HttpError(400, { error: "invalid delegation request" });
    }
    if (!UUID_ANY_RE.test(targetId))
      throw new HttpError(400, { error: "target_id must be a valid UUID" });
    targetId = targetId.toLowerCase();
    if (targetId === id) throw new HttpError(400, { error: "self-delegation not permitted" });
    if (key !== "") {
      const existing = (this.store.activity.get(id) ?? []).find(
        (r) => r.idempotencyKey === key && r.method === "delegate",
      );
      if (existing !== undefined) {
        if (existing.status !== "failed")
          return this.json(ctx, 200, {
            delegation_id: existing.delegationId,
            status: existing.status,
            target_id: existing.target_id,
            idempotent_hit: true,
          });
        this.store.removeActivity(existing);
      }
    }
    const delegationId = newId();
    const target = this.ws(targetId);
    const row = this.logActivity({
      workspace_id: id,
      activity_type: "delegation",
      source_id: id,
      target_id: targetId,
      method: "delegate",
      summary: `Delegating to ${target?.name ?? targetId}`,
      duration_ms: null,
      status: "pending",
      error_detail: null,
      request_body: { task, delegation_id: delegationId, target_id: targetId },
      ...(key !== "" ? { idempotencyKey: key } : {}),
      delegationId,
    });
    this.emit(id, "DELEGATION_SENT", { delegation_id: delegationId, target_id: targetId });
    this.json(ctx, 202, { delegation_id: delegationId, status: "delegated", target_id: targetId });
    this.track(this.runDelegation(id, targetId, task, delegationId, row).catch(() => undefined));
  }

  private delegationRow(delegationId: string): ActivityRow | undefined {
    for (const r of this.store.activityById.values())
      if (r.delegationId === delegationId && r.method === "delegate") return r;
    return undefined;
  }

  private setDelegationStatus(row: ActivityRow, status: string, error?: string): void {
    row.status = status;
    if (error !== undefined) row.error_detail = error;
    this.emit(row.workspace_id, "DELEGATION_STATUS", { delegation_id: row.delegationId, status });
    this.changed();
  }

  private async runDelegation(
    sourceId: string,
    targetId: string,
    task: string,
    delegationId: string,
    row: ActivityRow,
  ): Promise<void> {
    const target = this.ws(targetId);
    if (target === undefined || !this.canCommunicate(sourceId, targetId)) {
      this.failDelegation(
        delegationId,
        target === undefined
          ? "workspace not found"
          : "access denied: workspaces cannot communicate per hierarchy rules",
      );
      return;
    }
    const env: Record<string, unknown> = {
      jsonrpc: "2.0",
      id: delegationId,
      method: "message/send",
      params: {
        message: {
          role: "user",
          messageId: delegationId,
          parts: [{ type: "text", text: task }],
          metadata: { delegation_id: delegationId },
        },
      },
    };
    this.setDelegationStatus(row, "dispatched");
    const r = await this.deliver(target, sourceId, env, undefined);
    if (r.status === 202) {
      this.setDelegationStatus(row, "queued");
      return;
    }
    if (r.status >= 200 && r.status < 300) {
      this.finishDelegation(delegationId, r.unwrapped ?? r.body);
      return;
    }
    const err =
      isObject(r.body) && typeof r.body["error"] === "string"
        ? r.body["error"]
        : `HTTP ${r.status}`;
    this.failDelegation(delegationId, err);
  }

  private finishDelegation(delegationId: string, body: unknown): void {
    const row = this.delegationRow(delegationId);
    if (row === undefined) return;
    const text = resultText(body);
    const stored = text ?? JSON.stringify(body ?? null);
    this.setDelegationStatus(row, "completed");
    this.logActivity({
      workspace_id: row.workspace_id,
      activity_type: "delegation",
      source_id: row.workspace_id,
      target_id: row.target_id,
      method: "delegate_result",
      summary: `Delegation result from ${this.ws(row.target_id ?? "")?.name ?? row.target_id}`,
      duration_ms: null,
      status: "completed",
      error_detail: null,
      response_body: {
        text: this.latest ? `${BOUNDARY_START}\n${stored}\n${BOUNDARY_END}` : stored,
        delegation_id: delegationId,
      },
      delegationId,
    });
    this.emit(row.workspace_id, "DELEGATION_COMPLETE", {
      delegation_id: delegationId,
      target_id: row.target_id,
      response_preview: stored.slice(0, 200),
    });
  }

  private failDelegation(delegationId: string, error: string): void {
    const row = this.delegationRow(delegationId);
    if (row === undefined) return;
    this.setDelegationStatus(row, "failed", error);
    this.emit(row.workspace_id, "DELEGATION_FAILED", { delegation_id: delegationId, error });
  }

  private listDelegations(ctx: Ctx, id: string): void {
    const rows = (this.store.activity.get(id) ?? []).filter(
      (r) => r.method === "delegate" || r.method === "delegate_result",
    );
    const out: Record<string, unknown>[] = [];
    for (let i = rows.length - 1; i >= 0 && out.length < 50; i--) {
      const r = rows[i] as ActivityRow;
      const o: Record<string, unknown> = {
        id: r.id,
        type: r.method,
        source_id: r.source_id,
        target_id: r.target_id,
        summary: r.summary,
        status: r.status,
        created_at: iso(r.created_at),
      };
      if (r.delegationId !== undefined) o["delegation_id"] = r.delegationId;
      if (r.error_detail !== null) o["error"] = r.error_detail;
      if (isObject(r.response_body) && typeof r.response_body["text"] === "string")
        o["response_preview"] = r.response_body["text"].slice(0, 200);
      out.push(o);
    }
    this.json(ctx, 200, out);
  }

  // ---------------------------------------------------------------- plugins

  private resolvePluginSource(
    name: string,
    source: string | null,
  ): { scheme: string; ref: string; src: string } {
    const src = source === null || source === "" ? `local://${name}` : source;
    const i = src.indexOf("://");
    if (i === -1) return { scheme: "local", ref: src, src: `local://${src}` };
    return { scheme: src.slice(0, i), ref: src.slice(i + 3), src };
  }

  private async fetchPlugin(
    name: string,
    source: string | null,
  ): Promise<{ tar: Buffer; src: string }> {
    const { scheme, ref, src } = this.resolvePluginSource(name, source);
    if (scheme === "github") {
      if (!ref.includes("#"))
        throw new HttpError(422, {
          error:
            "unpinned github plugin source: pin a ref (github://owner/repo#<tag-or-sha>) or set PLUGIN_ALLOW_UNPINNED=true",
        });
      throw new HttpError(502, { error: "failed to fetch plugin from github", source: src });
    }
    if (scheme !== "local")
      throw new HttpError(400, {
        error: "failed to resolve plugin source",
        available_schemes: ["github", "local"],
      });
    if (ref === "" || ref.includes("/") || ref.includes("\\") || ref.includes(".."))
      throw new HttpError(400, {
        error: "failed to resolve plugin source",
        available_schemes: ["github", "local"],
      });
    if (!PLUGIN_NAME_RE.test(ref))
      throw new HttpError(502, { error: "failed to fetch plugin from local", source: src });
    if (ref !== name)
      throw new HttpError(400, {
        error: `source resolved to plugin "${ref}" but URL requested "${name}"`,
        resolved_name: ref,
        requested_name: name,
      });
    const dir = this.s.pluginsDir;
    const tar = dir === undefined ? undefined : await buildPluginTarball(dir, ref);
    if (tar === undefined)
      throw new HttpError(404, { error: "failed to fetch plugin from local", source: src });
    return { tar, src };
  }

  private async downloadPlugin(ctx: Ctx, id: string, name: string): Promise<void> {
    this.lazy(ctx, id);
    if (name === "" || name.includes("/") || name.includes("\\") || name.includes(".."))
      throw new HttpError(400, { error: "invalid plugin name" });
    const { tar, src } = await this.fetchPlugin(name, ctx.query.get("source"));
    const h = ctx.headers;
    h["Content-Type"] = "application/gzip";
    h["Content-Disposition"] = `attachment; filename="${name}.tar.gz"`;
    h["Content-Length"] = tar.length;
    h["X-Plugin-Name"] = name;
    h["X-Plugin-Source"] = src;
    ctx.res.writeHead(200, h);
    ctx.res.end(tar);
  }

  private async installPlugin(ctx: Ctx, _id: string): Promise<void> {
    const b = await this.body(ctx, "invalid request body");
    const source = typeof b["source"] === "string" ? b["source"] : "";
    if (source === "") throw new HttpError(400, { error: "invalid request body" });
    const { ref } = this.resolvePluginSource("", source);
    const name = ref.split("#")[0]?.split("/").pop() ?? ref;
    await this.fetchPlugin(name, source);
    throw new HttpError(503, { error: "workspace container not running" });
  }

  // ---------------------------------------------------------------- liveness and shutdown

  /** Marks online/degraded workspaces offline after `livenessMs` without a heartbeat. */
  sweep(): void {
    const now = this.now();
    for (const w of this.store.workspaces.values()) {
      if (w.status !== "online" && w.status !== "degraded") continue;
      const last = w.lastHeartbeatAt ?? w.updatedAt;
      if (now - last > this.s.livenessMs) {
        this.setStatus(w, "offline", "WORKSPACE_OFFLINE", {});
        this.changed();
      }
    }
  }

  /** Stops background work and waits for in-flight handlers. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.closeStreams();
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
