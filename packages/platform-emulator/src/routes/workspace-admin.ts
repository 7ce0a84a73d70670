// Per-workspace state, secrets, tokens, pause and resume.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import type { ApprovalRow, WorkspaceRow } from "../store.js";
import { iso, isObject, newId, reqString, UUID_RE } from "../util.js";

/** `GET /workspaces/:id/state`. */
export function state(platform: Platform, ctx: Ctx, id: string): void {
  platform.lazy(ctx, id);
  const w = platform.ws(id);
  if (w === undefined) return sendJson(ctx, 404, { workspace_id: id, deleted: true });
  if (w.status === "removed")
    return sendJson(ctx, 404, { workspace_id: id, status: "removed", deleted: true });
  sendJson(ctx, 200, {
    workspace_id: id,
    status: w.status,
    paused: w.status === "paused",
    deleted: false,
  });
}

/** `GET /workspaces/:id/secrets` (keys only). */
export function listSecrets(platform: Platform, ctx: Ctx, id: string): void {
  if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  const m = platform.store.secrets.get(id);
  const rows = m === undefined ? [] : [...m.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  sendJson(
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

/** `GET /workspaces/:id/secrets/values`. */
export function secretValues(platform: Platform, ctx: Ctx, id: string): void {
  if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  platform.lazy(ctx, id);
  const out: Record<string, string> = {};
  for (const r of platform.store.secrets.get(id)?.values() ?? []) out[r.key] = r.value;
  sendJson(ctx, 200, out);
}

/** `POST|PUT /workspaces/:id/secrets`. */
export async function putSecret(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  const b = await readJsonObject(ctx, "invalid request body");
  let key: string, value: string;
  try {
    key = reqString(b, "key");
    value = reqString(b, "value");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (platform.august && platform.isAdmin(ctx)) {
    const pending = secretWriteApproval(platform, id, key);
    if (pending !== undefined)
      return sendJson(ctx, 202, {
        status: "pending_approval",
        approval_id: pending,
        action: "secret_write",
        reason: `write secret ${key}`,
      });
  }
  let m = platform.store.secrets.get(id);
  if (m === undefined) {
    m = new Map();
    platform.store.secrets.set(id, m);
  }
  const now = platform.now();
  const prev = m.get(key);
  m.set(key, { key, value, createdAt: prev?.createdAt ?? now, updatedAt: now });
  platform.changed();
  sendJson(ctx, 200, { status: "saved", key });
}

/**
 * 2026-08's approval gate on an admin-token secret write (`gateDestructive` and `requireApproval`,
 * `approval_gate.go` at enteros-core aeec8e47; core#2574): an approved, unused request for the same
 * workspace and key (the value is not part of it) is consumed and the write goes ahead
 * (`undefined`); otherwise the pending request (created once, then the same one) is answered with
 * its id. A person approves it with `POST /workspaces/:id/approvals/:approvalId/decide
 * {"decision":"approved"}` and the caller sends the write again. No events (the secrets route
 * passes no broadcaster). A workspace's own token is not gated.
 */
function secretWriteApproval(platform: Platform, id: string, key: string): string | undefined {
  const rows = platform.store.approvals;
  const matches = (a: ApprovalRow): boolean =>
    a.workspaceId === id &&
    a.action === "secret_write" &&
    isObject(a.context) &&
    a.context["workspace_id"] === id &&
    a.context["key"] === key;
  const approved = rows
    .filter((a) => matches(a) && a.status === "approved" && (a.consumedAt ?? null) === null)
    .sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0))[0];
  if (approved !== undefined) {
    approved.consumedAt = platform.now();
    platform.changed();
    return undefined;
  }
  const pending = rows.find((a) => matches(a) && a.status === "pending");
  if (pending !== undefined) return pending.id;
  const row: ApprovalRow = {
    seq: platform.store.nextSeq(),
    id: newId(),
    workspaceId: id,
    taskId: "",
    action: "secret_write",
    reason: `write secret ${key}`,
    context: { workspace_id: id, key },
    status: "pending",
    decidedBy: null,
    decidedAt: null,
    createdAt: platform.now(),
    consumedAt: null,
  };
  rows.push(row);
  platform.changed();
  return row.id;
}

/** `DELETE /workspaces/:id/secrets/:key`. */
export function deleteSecret(platform: Platform, ctx: Ctx, id: string, key: string): void {
  if (!UUID_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  const m = platform.store.secrets.get(id);
  if (m === undefined || !m.delete(key)) throw new HttpError(404, { error: "secret not found" });
  platform.changed();
  sendJson(ctx, 200, { status: "deleted", key });
}

/** `GET /workspaces/:id/tokens`. */
export function listTokens(platform: Platform, ctx: Ctx, id: string): void {
  let limit = Number.parseInt(ctx.query.get("limit") ?? "50", 10);
  if (!Number.isFinite(limit) || limit < 1 || limit > 200) limit = 50;
  let offset = Number.parseInt(ctx.query.get("offset") ?? "0", 10);
  if (!Number.isFinite(offset) || offset < 0) offset = 0;
  // Newest first, as the server's `ORDER BY created_at DESC` over microsecond stamps
  // (handlers/tokens.go): tokens made in one millisecond here are listed in the reverse of the
  // order they were made in (the sort is stable).
  const live = platform.store
    .tokensOf(id)
    .filter((t) => t.revokedAt === null)
    .toReversed()
    .sort((a, b) => b.createdAt - a.createdAt);
  const page = live.slice(offset, offset + limit).map((t) => ({
    id: t.id,
    prefix: t.prefix,
    created_at: iso(t.createdAt),
    last_used_at: t.lastUsedAt === null ? null : iso(t.lastUsedAt),
  }));
  sendJson(ctx, 200, { tokens: page, count: page.length });
}

/** `POST /workspaces/:id/tokens` (at most 50 live tokens). */
export function createToken(platform: Platform, ctx: Ctx, id: string): void {
  if (platform.store.liveTokenCount(id) >= 50)
    throw new HttpError(429, { error: "maximum 50 active tokens per workspace" });
  const token = platform.mintToken(id);
  sendJson(ctx, 201, {
    auth_token: token,
    workspace_id: id,
    message: "Save this token now — it cannot be retrieved again.",
  });
}

/** `DELETE /workspaces/:id/tokens/:tokenId`. */
export function revokeToken(platform: Platform, ctx: Ctx, id: string, tokenId: string): void {
  const t = platform.store.tokensById.get(tokenId);
  if (t === undefined || t.workspaceId !== id || t.revokedAt !== null)
    throw new HttpError(404, { error: "token not found or already revoked" });
  platform.store.revokeToken(t, platform.now());
  platform.changed();
  sendJson(ctx, 200, { status: "revoked" });
}

/**
 * The workspaces below `id` a pause or resume reaches: the walk goes on only through workspaces
 * `keep` accepts (the server's recursive query: not removed or paused for a pause, paused for a
 * resume), parents before their children.
 */
function reached(
  platform: Platform,
  id: string,
  keep: (w: WorkspaceRow) => boolean,
): WorkspaceRow[] {
  const out: WorkspaceRow[] = [];
  const walk = (pid: string, depth: number): void => {
    if (depth > 32) return;
    for (const w of platform.store.workspaces.values())
      if (w.parentId === pid && keep(w)) {
        out.push(w);
        walk(w.id, depth + 1);
      }
  };
  walk(id, 0);
  return out;
}

/**
 * 2026-08 (since 22ee2b0e, 2026-06-05): a pause or resume of a workspace with descendants in reach
 * is refused unless `?cascade=true`, naming them (`workspace_restart.go` 1688-1696, 2011-2019 at
 * enteros-core aeec8e47). Earlier servers cascade always and ignore the query.
 */
function requireCascade(
  platform: Platform,
  ctx: Ctx,
  what: "pause" | "resume",
  descendants: WorkspaceRow[],
): void {
  if (!platform.august || ctx.query.get("cascade") === "true" || descendants.length === 0) return;
  throw new HttpError(409, {
    error: `workspace has descendants — use ?cascade=true to ${what} all`,
    descendants: descendants.map((d) => ({ id: d.id, name: d.name })),
  });
}

/**
 * `POST /workspaces/:id/pause`: the workspace and its descendants not yet paused (every contract;
 * 2026-08 only with `?cascade=true` when there are any). `200 {"status":"paused","paused_count"}`
 * (`workspace_restart.go` 1645-1880 at aeec8e47; 7cf77f27 and 50c3bdfd alike). The emulator stops
 * nothing, so it never answers the server's `207 partially_paused` or `500 pause_failed`.
 */
export function pause(platform: Platform, ctx: Ctx, id: string): void {
  const w = platform.ws(id);
  if (w === undefined || w.status === "removed" || w.status === "paused")
    throw new HttpError(404, { error: "workspace not found or already paused" });
  const below = reached(platform, id, (d) => d.status !== "removed" && d.status !== "paused");
  requireCascade(platform, ctx, "pause", below);
  const all = [w, ...below];
  for (const x of all) {
    x.url = "";
    platform.setStatus(x, "paused", "WORKSPACE_PAUSED", { name: x.name });
  }
  platform.changed();
  sendJson(ctx, 200, { status: "paused", paused_count: all.length });
}

/**
 * `POST /workspaces/:id/resume` (`workspace_restart.go` 1920-2230 at aeec8e47; 419-493 at
 * 7cf77f27; 655-727 at 50c3bdfd): `404 "workspace not found or not paused"`; `503 "provisioner not
 * available"` (the emulator plays a 2026-04 server without one for an external workspace, as the
 * setup external agents meet); `409 parent workspace "<name>" is paused — resume it first`; 2026-08
 * `409` with `descendants` unless `?cascade=true`; then the workspace and its paused descendants go
 * `provisioning` (the state the server holds when it answers) and the answer is
 * `200 {"status":"provisioning","resumed_count"}`. The provision itself is not emulated: a server
 * fails an external workspace's later (on a tenant `failed`, `MISSING_MODEL`, within seconds,
 * shared/reference/platform-hosted.md); here the workspace stays `provisioning` until its agent
 * registers again or a heartbeat lifts it.
 */
export function resume(platform: Platform, ctx: Ctx, id: string): void {
  const w = platform.ws(id);
  if (w === undefined || w.status !== "paused")
    throw new HttpError(404, { error: "workspace not found or not paused" });
  if (!platform.latest && w.runtime === "external")
    throw new HttpError(503, { error: "provisioner not available" });
  for (let p = w.parentId === null ? undefined : platform.ws(w.parentId); p !== undefined;) {
    if (p.status === "paused")
      throw new HttpError(409, {
        error: `parent workspace "${p.name}" is paused — resume it first`,
      });
    p = p.parentId === null ? undefined : platform.ws(p.parentId);
  }
  const below = reached(platform, id, (d) => d.status === "paused");
  requireCascade(platform, ctx, "resume", below);
  const all = [w, ...below];
  for (const x of all)
    platform.setStatus(x, "provisioning", "WORKSPACE_PROVISIONING", {
      name: x.name,
      tier: x.tier,
      runtime: x.runtime,
    });
  platform.changed();
  sendJson(ctx, 200, { status: "provisioning", resumed_count: all.length });
}
