// Workspaces CRUD (admin): create (with the external connection block), list, get, delete, test token.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { MALFORMED_ID_ERROR } from "../server-quirks.js";
import type { WorkspaceRow } from "../store.js";
import { connectionBlock } from "./external.js";
import {
  BindError,
  iso,
  isObject,
  newId,
  newToken,
  optBool,
  optFloat,
  optInt,
  optString,
  reqString,
  UUID_ANY_RE,
} from "../util.js";

const NAME_BAD_CHARS = /[\n\r{}[\]|>*&!]/;

/** A workspace row in the wire shape (`full` adds the list-only fields). */
function workspaceJson(
  platform: Platform,
  w: WorkspaceRow,
  full: boolean,
): Record<string, unknown> {
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
  if (platform.latest) o["delivery_mode"] = w.deliveryMode;
  if (full) {
    o["current_task"] = w.currentTask;
    o["budget_limit"] = w.budgetLimit;
    o["monthly_spend"] = w.monthlySpend;
    o["last_sample_error"] = w.lastSampleError;
    o["workspace_dir"] = w.workspaceDir;
  }
  return o;
}

/** `POST /workspaces` (admin): an external workspace without URL gets its token once. */
export async function createWorkspace(platform: Platform, ctx: Ctx): Promise<void> {
  platform.adminAuth(ctx);
  const b = await readJsonObject(ctx, "invalid workspace payload");
  let name: string, role: string, runtime: string, url: string, tier: number, external: boolean;
  let parentId: string, maxConc: number, budget: number | null, mode: string;
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
    mode = platform.latest ? optString(b, "delivery_mode") : "";
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
  // `delivery_mode` (#2348; `workspace.go` 262-274 at 50c3bdfd): validated before the insert, the
  // same 400 text as register's. The 2026-04 server has no such column and ignores the field.
  if (mode !== "" && mode !== "push" && mode !== "poll")
    throw new HttpError(400, { error: "delivery_mode must be 'push' or 'poll'" });
  if (parentId !== "") {
    // Postgres rejects a non-UUID and the foreign key an unknown one: the real server's 500.
    if (!UUID_ANY_RE.test(parentId) || platform.ws(parentId.toLowerCase()) === undefined)
      throw new HttpError(500, { error: MALFORMED_ID_ERROR.create });
    parentId = parentId.toLowerCase();
  }
  const isExternal = external || runtime === "external";
  const now = platform.now();
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
    deliveryMode: mode === "poll" ? "poll" : "push",
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
  platform.store.workspaces.set(id, w);
  if (Object.keys(secrets).length > 0) {
    const m = new Map<
      string,
      { key: string; value: string; createdAt: number; updatedAt: number }
    >();
    for (const [k, v] of Object.entries(secrets))
      m.set(k, { key: k, value: v, createdAt: now, updatedAt: now });
    platform.store.secrets.set(id, m);
  }
  platform.emit(id, "WORKSPACE_PROVISIONING", { name, tier: w.tier, runtime: w.runtime });
  platform.changed();
  if (!isExternal) {
    // No provisioner in the emulator: the row is marked failed at once (platform-api.md §3.1).
    w.status = "failed";
    sendJson(ctx, 201, {
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
    platform.emit(id, "WORKSPACE_ONLINE", { name, external: true });
    sendJson(ctx, 201, { id, external: true, status: "online" });
    return;
  }
  // External without URL: token minted once. Baseline keeps status provisioning (enum bug).
  if (platform.latest) {
    w.status = "awaiting_agent";
    w.runtime = "external";
    if (mode === "") w.deliveryMode = "poll";
  } else if (runtime === "external") {
    w.runtime = "external";
  }
  const token = platform.mintToken(id);
  platform.emit(id, "WORKSPACE_AWAITING_AGENT", { name });
  sendJson(ctx, 201, {
    id,
    external: true,
    status: "awaiting_agent",
    connection: connectionBlock(platform, ctx, id, name, token),
  });
}

/** `GET /workspaces` (admin). */
export function listWorkspaces(platform: Platform, ctx: Ctx): void {
  platform.adminAuth(ctx);
  const out: Record<string, unknown>[] = [];
  for (const w of platform.store.workspaces.values())
    if (w.status !== "removed") out.push(workspaceJson(platform, w, true));
  sendJson(ctx, 200, out);
}

/** `GET /workspaces/:id` (410 for a removed one on compat "latest"). */
export function getWorkspace(platform: Platform, ctx: Ctx, id: string): void {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  const w = platform.ws(id.toLowerCase());
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  if (w.status === "removed" && platform.latest && ctx.query.get("include_removed") !== "true")
    throw new HttpError(410, {
      error: "workspace removed",
      id: w.id,
      removed_at: iso(w.removedAt ?? w.updatedAt),
      hint: "this workspace was deleted; its tokens are revoked. Pass ?include_removed=true to read it anyway.",
    });
  sendJson(ctx, 200, workspaceJson(platform, w, false));
}

/** `DELETE /workspaces/:id` (admin; `confirm=true` cascades, `purge=true` drops the rows). */
export function deleteWorkspace(platform: Platform, ctx: Ctx, id: string): void {
  platform.adminAuth(ctx);
  if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  id = id.toLowerCase();
  const purge = ctx.query.get("purge") === "true";
  const w = platform.ws(id);
  const children = platform.descendants(id);
  const direct = children.filter((c) => c.parentId === id);
  if (direct.length > 0 && ctx.query.get("confirm") !== "true")
    throw new HttpError(409, {
      status: "confirmation_required",
      message: `workspace has ${direct.length} child workspace(s); pass ?confirm=true to delete them too`,
      children: direct.map((c) => ({ id: c.id, name: c.name })),
      children_count: direct.length,
    });
  const now = platform.now();
  const all = w === undefined ? children : [...children, w];
  for (const x of all) {
    if (x.status !== "removed") {
      x.status = "removed";
      x.removedAt = now;
      x.updatedAt = now;
    }
    for (const t of platform.store.tokensOf(x.id)) platform.store.revokeToken(t, now);
    for (const q of platform.store.queue)
      if (q.workspaceId === x.id && q.status === "queued") q.status = "failed";
  }
  for (const c of children) platform.emit(c.id, "WORKSPACE_REMOVED", {});
  if (w !== undefined) platform.emit(id, "WORKSPACE_REMOVED", { cascade_deleted: children.length });
  if (purge) for (const x of all) platform.store.purgeWorkspace(x.id);
  platform.changed();
  sendJson(ctx, 200, { status: purge ? "purged" : "removed", cascade_deleted: children.length });
}

/** `GET /admin/workspaces/:id/test-token` (admin): mints a workspace token. */
export function testToken(platform: Platform, ctx: Ctx, id: string): void {
  if (!platform.isAdmin(ctx)) throw new HttpError(401, { error: "admin auth required" });
  const w = platform.ws(id);
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  sendJson(ctx, 200, { auth_token: platform.mintToken(id), workspace_id: id });
}
