// The registry: register, heartbeat (and status evaluation), update-card, check-access, discover, peers.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { augustAgentUrlError } from "../agent-url.js";
import { drainOne } from "../proxy/drain.js";
import { refuseUnsafeCardUrl } from "./session-views.js";
import { MALFORMED_ID_ERROR, peersQueryPanics, writeRecoveredPanic } from "../server-quirks.js";
import type { WorkspaceRow } from "../store.js";
import {
  BindError,
  isObject,
  newToken,
  optBool,
  optFloat,
  optInt,
  optString,
  reqString,
  UUID_ANY_RE,
} from "../util.js";

const HEARTBEAT_INT_AS_FLOAT =
  /"(?:active_tasks|uptime_seconds|monthly_spend|idle_timeout_seconds)"\s*:\s*-?\d+(?:\.\d|[eE])/;

/** `POST /registry/register`. */
export async function register(platform: Platform, ctx: Ctx): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let id: string, url: string, mode: string;
  try {
    id = reqString(b, "id");
    url = optString(b, "url");
    mode = platform.latest ? optString(b, "delivery_mode") : "";
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (b["agent_card"] === undefined || b["agent_card"] === null)
    throw new HttpError(400, { error: "invalid request body" });
  if (platform.august) return registerAugust(platform, ctx, id, url, mode, b["agent_card"]);
  const existing = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  let deliveryMode: "push" | "poll";
  if (platform.latest) {
    if (mode !== "" && mode !== "push" && mode !== "poll")
      throw new HttpError(400, { error: "delivery_mode must be 'push' or 'poll'" }); // registry.go 275-278 at 50c3bdfd
    deliveryMode = mode === "poll" || (mode === "" && url === "") ? "poll" : "push";
    if (deliveryMode === "push" && url === "")
      throw new HttpError(400, { error: "invalid request body" });
  } else {
    deliveryMode = "push";
    if (url === "") throw new HttpError(400, { error: "invalid request body" });
  }
  if (url !== "" && !(await platform.checkAgentUrl(url, "register")))
    throw new HttpError(400, { error: "invalid request body" });
  // A non-UUID id has no token (the lazy check passes) and then fails the upsert.
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: MALFORMED_ID_ERROR.register });
  id = id.toLowerCase();
  platform.lazy(ctx, id);
  const now = platform.now();
  let w = existing;
  if (w === undefined) {
    w = newRegisteredRow(id, url, b["agent_card"], deliveryMode, now);
    platform.store.workspaces.set(id, w);
  } else if (w.status !== "removed") {
    if (!w.url.startsWith("http://127.0.0.1") || url === "" || deliveryMode === "poll") w.url = url;
    w.agentCard = b["agent_card"];
    w.status = "online";
    w.lastHeartbeatAt = now;
    w.updatedAt = now;
    w.deliveryMode = deliveryMode;
  }
  platform.emit(id, "WORKSPACE_ONLINE", { url, agent_card: b["agent_card"] });
  const out: Record<string, unknown> = { status: "registered" };
  if (platform.store.liveTokenCount(id) === 0) out["auth_token"] = platform.mintToken(id);
  if (platform.latest) {
    out["delivery_mode"] = deliveryMode;
    out["platform_inbound_secret"] = w.inboundSecret;
  }
  platform.changed();
  sendJson(ctx, 200, out);
}

/**
 * `register` on 2026-08 (`registry.go` 726-1311 at enteros-core aeec8e47): the token check comes
 * first; the mode is the sent one, else the row's, else `push` (a new row); push needs a URL (the
 * card's `url` when the body has none) that passes `validateAgentURL`, whose texts are answered
 * as they are; the upsert keeps a provisioner's `http://127.0.0.1:<port>` or
 * `http://localhost:<port>` URL (no path, port not 8000) and replaces any other; a paused
 * workspace stays paused (the earlier contracts' register resumes it).
 */
async function registerAugust(
  platform: Platform,
  ctx: Ctx,
  rawId: string,
  url: string,
  mode: string,
  card: unknown,
): Promise<void> {
  if (mode !== "" && mode !== "push" && mode !== "poll")
    throw new HttpError(400, { error: "delivery_mode must be 'push' or 'poll'" });
  if (!UUID_ANY_RE.test(rawId)) {
    platform.lazy(ctx, rawId);
    throw new HttpError(500, { error: MALFORMED_ID_ERROR.register });
  }
  const id = rawId.toLowerCase();
  platform.lazy(ctx, id);
  const existing = platform.ws(id);
  const deliveryMode: "push" | "poll" =
    mode === "push" || mode === "poll" ? mode : (existing?.deliveryMode ?? "push");
  let effectiveUrl = url;
  if (deliveryMode === "push") {
    const cardUrl = isObject(card) && typeof card["url"] === "string" ? card["url"] : "";
    if (effectiveUrl === "") effectiveUrl = cardUrl;
    if (effectiveUrl === "")
      throw new HttpError(400, { error: "url is required for push-mode workspaces" });
    const bad = await augustAgentUrlError(effectiveUrl, {
      devMode: platform.s.devMode,
      lenientRegister: platform.s.lenientAgentUrls,
    });
    if (bad !== undefined) throw new HttpError(400, { error: bad });
  } else effectiveUrl = "";
  const now = platform.now();
  let w = existing;
  if (w === undefined) {
    w = newRegisteredRow(id, effectiveUrl, card, deliveryMode, now);
    platform.store.workspaces.set(id, w);
  } else if (w.status !== "removed" && w.status !== "paused") {
    // A paused row is left as it is (the upsert's `WHERE workspaces.status NOT IN ('removed',
    // 'paused', 'hibernated')`, registry.go 1067-1147 at aeec8e47, b7bf53f0; recorded on that
    // server: register answers 200 and the workspace stays paused); only a resume lifts it.
    const kept = /^http:\/\/(?:127\.0\.0\.1|localhost):.*:(\d+)$/.exec(w.url);
    if (kept === null || Number(kept[1]) === 8000) w.url = effectiveUrl;
    w.agentCard = card;
    w.status = "online";
    w.lastHeartbeatAt = now;
    w.updatedAt = now;
    w.deliveryMode = deliveryMode;
  }
  platform.emit(id, "WORKSPACE_ONLINE", {
    url: w.url,
    agent_card: card,
    delivery_mode: deliveryMode,
  });
  const out: Record<string, unknown> = { status: "registered", delivery_mode: deliveryMode };
  if (platform.store.liveTokenCount(id) === 0) out["auth_token"] = platform.mintToken(id);
  if (w.inboundSecret === "") w.inboundSecret = newToken();
  out["platform_inbound_secret"] = w.inboundSecret;
  platform.changed();
  sendJson(ctx, 200, out);
}

/** The row `register` inserts for an id no workspace has. */
function newRegisteredRow(
  id: string,
  url: string,
  card: unknown,
  deliveryMode: "push" | "poll",
  now: number,
): WorkspaceRow {
  return {
    id,
    name: id,
    role: null,
    tier: 1,
    status: "online",
    runtime: "langgraph",
    url,
    agentCard: card,
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
}

/** `POST /registry/heartbeat`: liveness, status evaluation, queue drain. */
export async function heartbeat(platform: Platform, ctx: Ctx): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body", HEARTBEAT_INT_AS_FLOAT);
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
  const w = platform.ws(id);
  // 2026-08 (`registry.go` 1313-1520 at aeec8e47): a removed workspace's tokens are revoked, so
  // `requireWorkspaceToken` lets the call through and the answer is the usual `200`; an unknown
  // id gets a secret minted for it (`readOrLazyHealInboundSecret`) that no row keeps.
  if (platform.august && (w === undefined || w.status === "removed")) {
    platform.lazy(ctx, id);
    return sendJson(ctx, 200, {
      status: "ok",
      generation: 0,
      platform_inbound_secret: w?.inboundSecret || newToken(),
    });
  }
  if (platform.latest && w !== undefined && w.status === "removed")
    throw new HttpError(401, {
      error:
        ctx.bearer === undefined ? "missing workspace auth token" : "invalid workspace auth token",
    });
  platform.lazy(ctx, id);
  if (w === undefined || w.status === "removed") return sendJson(ctx, 200, { status: "ok" });
  const now = platform.now();
  w.lastHeartbeatAt = now;
  let log = platform.heartbeatLog.get(id);
  if (log === undefined) platform.heartbeatLog.set(id, (log = []));
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
    platform.emit(id, "TASK_UPDATED", { current_task: currentTask, active_tasks: active });
  platform.emit(id, "WORKSPACE_HEARTBEAT", { active_tasks: active, uptime_seconds: uptime });
  // evaluateStatus
  const st = w.status;
  if (runtimeState === "wedged" && st === "online") {
    platform.setStatus(w, "degraded", "WORKSPACE_DEGRADED", {
      runtime_state: runtimeState,
      sample_error: sampleError,
    });
  } else if (w.capabilities["status_mgmt"] !== true && st === "online" && errorRate >= 0.5) {
    platform.setStatus(w, "degraded", "WORKSPACE_DEGRADED", {
      error_rate: errorRate,
      sample_error: sampleError,
    });
  } else if (
    w.capabilities["status_mgmt"] !== true &&
    st === "degraded" &&
    errorRate < 0.1 &&
    runtimeState === ""
  ) {
    platform.setStatus(w, "online", "WORKSPACE_ONLINE", {});
  } else if (
    st === "offline" ||
    st === "provisioning" ||
    (st === "awaiting_agent" && (platform.latest || w.url !== ""))
  ) {
    // In latest a heartbeat lifts `awaiting_agent` whatever the workspace's URL ("auto-recovery
    // from awaiting_agent", #2382; `registry.go` 768-777 at 50c3bdfd): a push workspace resumed
    // after a pause blanked its URL is then "online" while calls to it still get 503 "workspace
    // has no URL", until its agent registers again, as on the server.
    platform.setStatus(w, "online", "WORKSPACE_ONLINE", { recovered_from: st });
  }
  const fl = platform.inflight.get(id);
  if (fl !== undefined) for (const touch of fl) touch();
  // One queued item per heartbeat with spare capacity; 2026-08 drains up to the spare capacity
  // (`registry.go` 3275-3295, `DrainQueueForWorkspace` at aeec8e47).
  if (platform.store.queue.length > 0 && active < w.maxConcurrentTasks) {
    const capacity = platform.august ? w.maxConcurrentTasks - active : 1;
    for (let i = 0; i < capacity; i++) drainOne(platform, w);
  }
  if (platform.statePersisted) platform.changed();
  // "latest": the inbound secret with every heartbeat (#2421; registry.go 622-650 at 50c3bdfd).
  const out: Record<string, unknown> = { status: "ok" };
  // 2026-08: `generation` (the row's `desired_generation`; the emulator never bumps it) and the
  // secret, minted when none is on file (`readOrLazyHealInboundSecret`).
  if (platform.august) {
    out["generation"] = 0;
    if (w.inboundSecret === "") w.inboundSecret = newToken();
  }
  if (platform.latest && w.inboundSecret !== "") out["platform_inbound_secret"] = w.inboundSecret;
  sendJson(ctx, 200, out);
}

/** `POST /registry/update-card`. */
export async function updateCard(platform: Platform, ctx: Ctx): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let id: string;
  try {
    id = reqString(b, "workspace_id");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  // `json.RawMessage` with `binding:"required"`: JSON null passes and is stored (features §5).
  if (b["agent_card"] === undefined) throw new HttpError(400, { error: "invalid request body" });
  platform.lazy(ctx, id.toLowerCase());
  await refuseUnsafeCardUrl(platform, b["agent_card"]); // 2026-08 (session-views.ts)
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: "failed to update card" });
  id = id.toLowerCase();
  const w = platform.ws(id);
  if (w !== undefined && w.status !== "removed") {
    w.agentCard = b["agent_card"];
    w.updatedAt = platform.now();
    platform.emit(id, "AGENT_CARD_UPDATED", { agent_card: b["agent_card"] });
    platform.changed();
  }
  sendJson(ctx, 200, { status: "updated" });
}

/** `POST /registry/check-access`. */
export async function checkAccess(platform: Platform, ctx: Ctx): Promise<void> {
  const b = await readJsonObject(ctx, "invalid request body");
  let caller: string, target: string;
  try {
    caller = reqString(b, "caller_id");
    target = reqString(b, "target_id");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  sendJson(ctx, 200, {
    allowed: platform.canCommunicate(caller.toLowerCase(), target.toLowerCase()),
  });
}

/** `GET /registry/discover/:id` (caller in `X-Workspace-ID`). */
export async function discover(platform: Platform, ctx: Ctx, targetId: string): Promise<void> {
  const caller = ctx.req.headers["x-workspace-id"];
  if (typeof caller !== "string" || caller === "")
    throw new HttpError(400, { error: "X-Workspace-ID header is required" });
  platform.lazy(ctx, caller);
  if (!platform.canCommunicate(caller, targetId))
    throw new HttpError(403, { error: "not authorized to discover this workspace" });
  const t = platform.ws(targetId);
  if (t === undefined) throw new HttpError(404, { error: "workspace not found" });
  if (t.runtime === "external" && t.url !== "") {
    let url = t.url;
    const c = platform.ws(caller);
    if (c?.runtime !== "external")
      url = url.replace(
        /^(https?:\/\/)(127\.0\.0\.1|localhost)(?=[:/]|$)/,
        "$1host.docker.internal",
      );
    if (!(await platform.checkAgentUrl(t.url, "dispatch")))
      throw new HttpError(503, { error: "workspace URL failed safety check" });
    return sendJson(ctx, 200, { id: t.id, url, name: t.name });
  }
  if (t.url !== "") return sendJson(ctx, 200, { id: t.id, url: t.url, name: t.name });
  if (
    platform.latest &&
    t.deliveryMode === "poll" &&
    (t.status === "online" || t.status === "degraded")
  )
    return sendJson(ctx, 200, { id: t.id, url: "", name: t.name, delivery_mode: "poll" });
  if (t.status === "online" || t.status === "degraded")
    return sendJson(ctx, 200, {
      id: t.id,
      url: `http://ws-${t.id.slice(0, 12)}:8000`,
      name: t.name,
    });
  throw new HttpError(503, { error: "workspace not available", status: t.status });
}

/** `GET /registry/:id/peers?q=`. */
export function peers(platform: Platform, ctx: Ctx, id: string): void {
  platform.lazy(ctx, id);
  const me = platform.ws(id);
  if (me === undefined) throw new HttpError(404, { error: "workspace not found" });
  const q = (ctx.query.get("q") ?? "").toLowerCase();
  const all = [...platform.store.workspaces.values()].filter(
    (w) => w.status !== "removed" && w.id !== id,
  );
  const siblings = all.filter((w) => w.parentId === me.parentId);
  const children = all.filter((w) => w.parentId === id);
  const parent = me.parentId === null ? [] : all.filter((w) => w.id === me.parentId);
  if (peersQueryPanics(platform.contract, q, [...siblings, ...children, ...parent]))
    return writeRecoveredPanic(ctx.res, ctx.headers);
  const out: Record<string, unknown>[] = [];
  for (const w of [...siblings, ...children, ...parent]) {
    if (q !== "" && !w.name.toLowerCase().includes(q) && !(w.role ?? "").toLowerCase().includes(q))
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
  sendJson(ctx, 200, out);
}
