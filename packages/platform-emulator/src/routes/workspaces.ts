// Workspaces CRUD (admin): create (with the external connection block), list, get, delete, test token.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { MALFORMED_ID_ERROR } from "../server-quirks.js";
import type { WorkspaceRow } from "../store.js";
import { augustAgentUrlError } from "../agent-url.js";
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

/** `registry.IsWedgedAgent`: busy, with neither an outbound call nor a heartbeat for 5 minutes. */
const WEDGED_AFTER_MS = 5 * 60_000;

/**
 * A workspace row as the 2026-08 server's `scanWorkspaceRow` (`workspace.go` 1554-1660 at
 * enteros-core aeec8e47) writes it: `full` is the list (`current_task`, `workspace_dir`,
 * `monthly_spend`, `budget_limit`), else `GET /workspaces/:id` (1758-1915: those stripped,
 * `last_outbound_at`, `last_heartbeat_at` and `wedged` added). No `delivery_mode` in either.
 */
function augustWorkspaceJson(
  platform: Platform,
  w: WorkspaceRow,
  full: boolean,
): Record<string, unknown> {
  const o: Record<string, unknown> = {
    id: w.id,
    name: w.name,
    tier: w.tier,
    status: w.status,
    url: w.url,
    parent_id: w.parentId,
    kind: w.kind ?? "workspace",
    active_tasks: w.activeTasks,
    max_concurrent_tasks: w.maxConcurrentTasks,
    last_error_rate: w.lastErrorRate,
    last_sample_error: w.lastSampleError,
    uptime_seconds: w.uptimeSeconds,
    runtime: w.runtime,
    x: w.x,
    y: w.y,
    collapsed: w.collapsed,
    broadcast_enabled: w.broadcastEnabled ?? false,
    talk_to_user_enabled: w.talkToUserEnabled ?? true,
    compute: {},
    role: w.role,
    agent_card: w.agentCard ?? null,
    loaded_mcp_tools: [],
    mcp_surface: null,
  };
  if (full) {
    o["current_task"] = w.currentTask;
    o["workspace_dir"] = w.workspaceDir;
    o["monthly_spend"] = w.monthlySpend;
    o["budget_limit"] = w.budgetLimit;
    return o;
  }
  const now = platform.now();
  o["last_outbound_at"] = w.lastOutboundAt === null ? null : iso(w.lastOutboundAt);
  o["last_heartbeat_at"] = w.lastHeartbeatAt === null ? null : iso(w.lastHeartbeatAt);
  o["wedged"] =
    w.activeTasks > 0 &&
    (w.lastOutboundAt === null || now - w.lastOutboundAt > WEDGED_AFTER_MS) &&
    (w.lastHeartbeatAt === null || now - w.lastHeartbeatAt > WEDGED_AFTER_MS);
  return o;
}

/** A workspace row in the wire shape (`full` adds the list-only fields). */
function workspaceJson(
  platform: Platform,
  w: WorkspaceRow,
  full: boolean,
): Record<string, unknown> {
  if (platform.august) return augustWorkspaceJson(platform, w, full);
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
  // 2026-08 (`workspace.go` ~565-600, `workspace_reparent.go` 319-364 at aeec8e47): the URL is
  // checked at create (its DNS lookup included), `parent_id` is validated with stable codes, and a
  // workspace created without one nests under the seeded Org Concierge (`defaultCreateParentID`).
  if (platform.august) {
    if (url !== "") {
      const bad = await augustAgentUrlError(url, {
        devMode: platform.s.devMode,
        lenientRegister: platform.s.lenientAgentUrls,
      });
      if (bad !== undefined) throw new HttpError(400, { error: `unsafe workspace URL: ${bad}` });
    }
    parentId = augustCreateParent(platform, parentId);
  } else if (parentId !== "") {
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
  // 2026-08 stores `push` when no mode is sent (`workspace.go` ~612-620), as the code always did.
  if (platform.latest) {
    w.status = "awaiting_agent";
    w.runtime = "external";
    if (mode === "" && !platform.august) w.deliveryMode = "poll";
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

/** The stable-code `400`/`422` of an invalid `parent_id` on 2026-08 (`reparentReject`). */
function parentRejected(status: number, code: string, error: string, parentId?: string): HttpError {
  return new HttpError(status, {
    error,
    code,
    ...(parentId !== undefined ? { parent_id: parentId } : {}),
  });
}

/** 2026-08: the `parent_id` a create gets: the sent one once valid, else the concierge's. */
function augustCreateParent(platform: Platform, parentId: string): string {
  if (parentId === "") {
    const roots = [...platform.store.workspaces.values()].filter(
      (x) => x.kind === "platform" && x.status !== "removed",
    );
    return roots.length === 1 ? (roots[0] as WorkspaceRow).id : "";
  }
  if (!UUID_ANY_RE.test(parentId))
    throw parentRejected(
      400,
      "WORKSPACE_REPARENT_INVALID_PARENT_ID",
      "parent_id is not a valid UUID",
    );
  const parent = platform.ws(parentId.toLowerCase());
  if (parent === undefined)
    throw parentRejected(
      422,
      "WORKSPACE_REPARENT_PARENT_NOT_FOUND",
      "parent workspace does not exist",
      parentId,
    );
  if (parent.status === "removed")
    throw parentRejected(
      422,
      "WORKSPACE_REPARENT_PARENT_NOT_FOUND",
      "parent workspace has been removed",
      parentId,
    );
  return parent.id;
}

/** `SelfHostedPlatformAgentID`: uuidv5(NameSpaceURL, "molecule:self-hosted:platform-agent"). */
const CONCIERGE_ID = "ea3cfcf1-cb9c-53b4-90fd-c53123569c4a";

/**
 * 2026-08: a self-hosted server (`MOLECULE_ORG_ID` unset) seeds its platform agent at every boot
 * (`EnsureSelfHostedPlatformAgent`, `platform_agent.go` ~1620-1665 and its upsert ~2069-2077 at
 * aeec8e47): `Org Concierge` (`MOLECULE_ORG_NAME` unset), kind `platform`, tier 0, status
 * `offline`, runtime `hermes`, no parent, `broadcast_enabled` true, no token. Kept when a state
 * file already holds it (or a removed one: a tombstoned concierge is not revived).
 */
export function seedConcierge(platform: Platform): void {
  if (platform.ws(CONCIERGE_ID) !== undefined) return;
  const now = platform.now();
  platform.store.workspaces.set(CONCIERGE_ID, {
    id: CONCIERGE_ID,
    name: "Org Concierge",
    role: null,
    tier: 0,
    status: "offline",
    runtime: "hermes",
    url: "",
    agentCard: null,
    parentId: null,
    activeTasks: 0,
    maxConcurrentTasks: 1,
    lastErrorRate: 0,
    lastSampleError: "",
    uptimeSeconds: 0,
    currentTask: "",
    monthlySpend: 0,
    budgetLimit: null,
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
    workspaceAccess: "none",
    kind: "platform",
    broadcastEnabled: true,
  });
  platform.changed();
}

/**
 * `PATCH /workspaces/:id/abilities` (2026-08, AdminAuth; `workspace_abilities.go` at aeec8e47):
 * `broadcast_enabled`, `talk_to_user_enabled` and `can_delegate` (accepted, not modelled).
 */
export async function patchAbilities(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  platform.adminAuth(ctx);
  if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  const b = await readJsonObject(ctx, "invalid request body");
  const flags: Record<string, boolean | undefined> = {};
  for (const k of ["broadcast_enabled", "talk_to_user_enabled", "can_delegate"]) {
    const v = b[k];
    if (v !== undefined && v !== null && typeof v !== "boolean")
      throw new HttpError(400, { error: "invalid request body" });
    flags[k] = typeof v === "boolean" ? v : undefined;
  }
  if (Object.values(flags).every((v) => v === undefined))
    throw new HttpError(400, { error: "at least one ability field required" });
  const w = platform.ws(id.toLowerCase());
  if (w === undefined || w.status === "removed")
    throw new HttpError(404, { error: "workspace not found" });
  if (flags["broadcast_enabled"] !== undefined) w.broadcastEnabled = flags["broadcast_enabled"];
  if (flags["talk_to_user_enabled"] !== undefined)
    w.talkToUserEnabled = flags["talk_to_user_enabled"];
  w.updatedAt = platform.now();
  platform.changed();
  sendJson(ctx, 200, { status: "updated" });
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
      hint: platform.august
        ? "Create a replacement workspace in Canvas, then open Settings → Workspace Tokens → + New Token" // workspace.go ~1840 at aeec8e47
        : "this workspace was deleted; its tokens are revoked. Pass ?include_removed=true to read it anyway.",
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
  if (platform.august) augustDeleteGuard(platform, ctx, id, w);
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

/**
 * 2026-08's checks before a delete (`workspace_crud.go` 644-690 at aeec8e47): unknown `404`, removed
 * `410`, and `X-Confirm-Name` must be the workspace's name (`400` with a hint and the counts).
 */
function augustDeleteGuard(
  platform: Platform,
  ctx: Ctx,
  id: string,
  w: WorkspaceRow | undefined,
): void {
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  if (w.status === "removed") throw new HttpError(410, { error: "workspace removed", id });
  const confirm = ctx.req.headers["x-confirm-name"];
  if ((Array.isArray(confirm) ? confirm[0] : confirm) !== w.name)
    throw new HttpError(400, {
      error: "destructive_action_requires_confirmation",
      hint: `Re-send the same request with header X-Confirm-Name: ${w.name}`,
      workspace_name: w.name,
      active_tasks: w.activeTasks,
      child_count: [...platform.store.workspaces.values()].filter(
        (c) => c.parentId === id && c.status !== "removed",
      ).length,
    });
}

/** `GET /admin/workspaces/:id/test-token` (admin): mints a workspace token. */
export function testToken(platform: Platform, ctx: Ctx, id: string): void {
  if (!platform.isAdmin(ctx)) throw new HttpError(401, { error: "admin auth required" });
  const w = platform.ws(id);
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  sendJson(ctx, 200, { auth_token: platform.mintToken(id), workspace_id: id });
}
