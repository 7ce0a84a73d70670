// Org memory: `POST|GET /workspaces/:id/memories`, `DELETE /workspaces/:id/memories/:memoryId`
// (platform-api-workspace-features.md §1): redaction on write, per-scope reads, the GLOBAL prefix.
import { createHash } from "node:crypto";
import { type Ctx, HttpError, readJsonObject, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { iso, newId, optString, reqString, UUID_ANY_RE } from "../util.js";
import { featureStore, type MemoryRow, newestFirst } from "./feature-store.js";

const SCOPES = new Set(["LOCAL", "TEAM", "GLOBAL"]);
// Go RE2: `\s` is [\t\n\f\r ] and `\S` its complement (ASCII only, unlike JavaScript's).
const S = "[^\\t\\n\\f\\r ]";
const SP = "[\\t\\n\\f\\r ]";
// Go's `(?i)` also folds `k` with U+212A (Kelvin sign) and `s` with U+017F (long s); JavaScript's
// `i` flag does not, so the letters are spelled out (`\b` stays an ASCII word boundary in both).
const L = "A-Za-z\\u017f\\u212a";
const K = "[Kk\\u212a]";
const SS = "[Ss\\u017f]";
/** The server's seven redaction patterns, in order (memories.go:47-78). */
const REDACTIONS: [RegExp, string][] = [
  [
    new RegExp(`\\b[${L}][${L}0-9_]*_[Aa][Pp][Ii]_${K}[Ee][Yy]${SP}*=${SP}*${S}+`, "g"),
    "[REDACTED:API_KEY]",
  ],
  [
    new RegExp(`\\b[${L}][${L}0-9_]*_[Tt][Oo]${K}[Ee][Nn]${SP}*=${SP}*${S}+`, "g"),
    "[REDACTED:TOKEN]",
  ],
  [
    new RegExp(`\\b[${L}][${L}0-9_]*_${SS}[Ee][Cc][Rr][Ee][Tt]${SP}*=${SP}*${S}+`, "g"),
    "[REDACTED:SECRET]",
  ],
  [new RegExp(`Bearer${SP}+${S}+`, "g"), "[REDACTED:BEARER_TOKEN]"],
  [/sk-[A-Za-z0-9\-_]{16,}/g, "[REDACTED:SK_TOKEN]"],
  [/ctx7_[A-Za-z0-9]+/g, "[REDACTED:CTX7_TOKEN]"],
  [/[A-Za-z0-9+/]{33,}={0,2}/g, "[REDACTED:BASE64_BLOB]"],
];

/** `redactSecrets`: what the server stores instead of the sent text. */
function redactSecrets(text: string): string {
  let out = text;
  for (const [re, label] of REDACTIONS) out = out.replace(re, label);
  return out;
}

/** `[MEMORY id=… scope=GLOBAL from=…]: ` prefix added on read to every GLOBAL row. */
function wrapGlobal(m: MemoryRow): string {
  return `[MEMORY id=${m.id} scope=GLOBAL from=${m.workspaceId}]: ${m.content}`;
}

/** What a memory write asked for: the body checks both contracts make first (memories.go Commit). */
export interface MemoryWriteBody {
  content: string;
  scope: MemoryRow["scope"];
  /** The caller's tag, `general` when absent or empty. */
  namespace: string;
}

/** Reads and checks `POST /workspaces/:id/memories`'s body (the same checks in 2026-04 and 2026-08). */
export async function readMemoryWrite(ctx: Ctx): Promise<MemoryWriteBody> {
  const b = await readJsonObject(ctx, "invalid request body");
  let content: string, scope: string, namespace: string;
  try {
    content = reqString(b, "content");
    scope = reqString(b, "scope");
    namespace = optString(b, "namespace");
  } catch {
    throw new HttpError(400, { error: "invalid request body" });
  }
  if (!SCOPES.has(scope))
    throw new HttpError(400, { error: "scope must be LOCAL, TEAM, or GLOBAL" });
  if (namespace === "") namespace = "general";
  if (Buffer.byteLength(namespace) > 50)
    throw new HttpError(400, { error: "namespace must be <= 50 characters" });
  return { content, scope: scope as MemoryRow["scope"], namespace };
}

/**
 * The GLOBAL write's audit row: a direct INSERT into `activity_logs`, so no `ACTIVITY_LOGGED`
 * broadcast (memories.go:205-221; the same at aeec8e47 with the plugin namespace as `namespace`).
 */
export function auditGlobalWrite(
  platform: Platform,
  wsId: string,
  memoryId: string,
  namespace: string,
  stored: string,
  at: number,
): void {
  platform.writeActivity({
    seq: platform.store.nextSeq(),
    id: newId(),
    workspace_id: wsId,
    activity_type: "memory_write_global",
    source_id: wsId,
    target_id: null,
    method: null,
    summary: `GLOBAL memory written: id=${memoryId} namespace=${namespace}`,
    duration_ms: null,
    status: "ok",
    error_detail: null,
    created_at: at,
    request_body: {
      memory_id: memoryId,
      namespace,
      content_sha256: createHash("sha256").update(stored).digest("hex"),
    },
  });
}

/** `POST /workspaces/:id/memories`. */
export async function commitMemory(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const { content, scope, namespace } = await readMemoryWrite(ctx);
  const ws = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  // The parent lookup's error is ignored (a failed lookup counts as root); the INSERT then fails.
  if (scope === "GLOBAL" && ws !== undefined && ws.parentId !== null)
    throw new HttpError(403, { error: "only root workspaces can write GLOBAL memories" });
  if (ws === undefined) throw new HttpError(500, { error: "failed to store memory" });
  let stored = redactSecrets(content);
  if (scope === "GLOBAL") stored = stored.replaceAll("[MEMORY ", "[_MEMORY ");
  const row: MemoryRow = {
    seq: platform.store.nextSeq(),
    id: newId(),
    workspaceId: ws.id,
    content: stored,
    scope,
    namespace,
    createdAt: platform.now(),
  };
  featureStore(platform).memories.push(row);
  if (scope === "GLOBAL")
    auditGlobalWrite(platform, ws.id, row.id, namespace, stored, row.createdAt);
  platform.changed();
  sendJson(ctx, 201, { id: row.id, scope, namespace });
}

/** Light English stemming standing in for Postgres `to_tsvector('english', …)`. */
export function stem(word: string): string {
  for (const suffix of ["ational", "ments", "ment", "ings", "ing", "ies", "es", "ed", "s"])
    if (word.length > suffix.length + 2 && word.endsWith(suffix))
      return word.slice(0, -suffix.length);
  return word;
}

const STOP_WORDS = new Set(
  "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split(
    " ",
  ),
);

export function words(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => !STOP_WORDS.has(w));
}

/** `plainto_tsquery` match: every (non-stop) query word's stem occurs among the content's stems. */
export function ftsMatch(content: string, q: string): boolean {
  const terms = words(q).map(stem);
  if (terms.length === 0) return false;
  const have = new Set(words(content).map(stem));
  return terms.every((t) => have.has(t));
}

/** `Sscanf("%d")` of the limit, honoured only when 0 < n < 50. */
function memoryLimit(raw: string | null): number {
  const m = raw === null ? null : /^\s*([+-]?\d+)/.exec(raw);
  const n = m?.[1] === undefined ? 0 : Number(m[1]);
  return n > 0 && n < 50 ? n : 50;
}

/** The rows `:id` sees for one read (memories.go:357-420), newest first, at most `limit`. */
function visibleMemories(
  platform: Platform,
  id: string,
  query: { scope?: string | null; q?: string | null; namespace?: string | null; limit?: number },
): MemoryRow[] {
  const all = featureStore(platform).memories;
  const scope = query.scope ?? "";
  let rows: MemoryRow[];
  if (scope === "LOCAL") rows = all.filter((m) => m.workspaceId === id && m.scope === "LOCAL");
  else if (scope === "GLOBAL") rows = all.filter((m) => m.scope === "GLOBAL");
  else if (scope === "TEAM") {
    const p = platform.ws(id)?.parentId ?? id;
    rows = all.filter((m) => {
      if (m.scope !== "TEAM") return false;
      const w = platform.ws(m.workspaceId);
      return w !== undefined && w.status !== "removed" && (w.parentId === p || w.id === p);
    });
  } else rows = all.filter((m) => m.workspaceId === id);
  const ns = query.namespace ?? "";
  if (ns !== "") rows = rows.filter((m) => m.namespace === ns);
  const q = query.q ?? "";
  if (Buffer.byteLength(q) >= 2) rows = rows.filter((m) => ftsMatch(m.content, q));
  else if (q !== "") rows = rows.filter((m) => m.content.toLowerCase().includes(q.toLowerCase()));
  rows = [...rows].sort(newestFirst).slice(0, query.limit ?? 50);
  // TEAM rows of other writers are dropped after the LIMIT unless CanCommunicate.
  return rows.filter(
    (m) => m.scope !== "TEAM" || m.workspaceId === id || platform.canCommunicate(id, m.workspaceId),
  );
}

/** `GET /workspaces/:id/memories`. */
export function searchMemories(platform: Platform, ctx: Ctx, id: string): void {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: "search failed" });
  const rows = visibleMemories(platform, id.toLowerCase(), {
    scope: ctx.query.get("scope"),
    q: ctx.query.get("q"),
    namespace: ctx.query.get("namespace"),
    limit: memoryLimit(ctx.query.get("limit")),
  });
  sendJson(
    ctx,
    200,
    rows.map((m) => ({
      content: m.scope === "GLOBAL" ? wrapGlobal(m) : m.content,
      created_at: iso(m.createdAt),
      id: m.id,
      namespace: m.namespace,
      scope: m.scope,
      workspace_id: m.workspaceId,
    })),
  );
}

/** `DELETE /workspaces/:id/memories/:memoryId`: own rows only; missing and foreign are both 404. */
export function deleteMemory(platform: Platform, ctx: Ctx, id: string, memoryId: string): void {
  if (!UUID_ANY_RE.test(memoryId) || !UUID_ANY_RE.test(id))
    throw new HttpError(500, { error: "delete failed" });
  const all = featureStore(platform).memories;
  const i = all.findIndex(
    (m) => m.id === memoryId.toLowerCase() && m.workspaceId === id.toLowerCase(),
  );
  if (i < 0) throw new HttpError(404, { error: "memory not found or not owned by this workspace" });
  all.splice(i, 1);
  platform.changed();
  sendJson(ctx, 200, { status: "deleted" });
}
