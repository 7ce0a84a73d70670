// Per-workspace state, secrets, tokens, pause and resume.
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import type { ApprovalRow } from "../store.js";
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
  const live = platform.store
    .tokensOf(id)
    .filter((t) => t.revokedAt === null)
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

/** `POST /workspaces/:id/pause` (cascades to descendants). */
export function pause(platform: Platform, ctx: Ctx, id: string): void {
  const w = platform.ws(id);
  if (w === undefined || w.status === "removed" || w.status === "paused")
    throw new HttpError(404, { error: "workspace not found or already paused" });
  const all = [w, ...platform.descendants(id).filter((d) => d.status !== "paused")];
  for (const x of all) {
    x.url = "";
    platform.setStatus(x, "paused", "WORKSPACE_PAUSED", {});
  }
  platform.changed();
  sendJson(ctx, 200, { status: "paused", paused_count: all.length });
}

/** `POST /workspaces/:id/resume` (refused while an ancestor is paused). */
export function resume(platform: Platform, ctx: Ctx, id: string): void {
  const w = platform.ws(id);
  if (w === undefined || w.status === "removed")
    throw new HttpError(404, { error: "workspace not found" });
  if (w.status !== "paused") throw new HttpError(409, { error: "workspace is not paused" });
  // The April 2026 server re-provisions a container on resume, and without a provisioner (the
  // setup external agents meet) refuses: an external agent resumes its workspace by registering.
  if (!platform.latest && w.runtime === "external")
    throw new HttpError(503, { error: "provisioner not available" });
  for (let p = w.parentId === null ? undefined : platform.ws(w.parentId); p !== undefined;) {
    if (p.status === "paused")
      throw new HttpError(409, { error: "cannot resume: an ancestor workspace is paused" });
    p = p.parentId === null ? undefined : platform.ws(p.parentId);
  }
  // The real server provisions a container; the emulator hands an external workspace back to
  // its agent, which must register again (pause blanked its URL).
  const next = platform.latest ? "awaiting_agent" : "provisioning";
  const all = [w, ...platform.descendants(id).filter((d) => d.status === "paused")];
  for (const x of all) platform.setStatus(x, next, "WORKSPACE_PROVISIONING", { name: x.name });
  platform.changed();
  sendJson(ctx, 200, { status: next, resumed_count: all.length });
}
