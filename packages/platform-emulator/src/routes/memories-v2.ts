// Org memory as the August-2026 server has it (compat "2026-08", enteros-core aeec8e47): memory
// v2, where rows live in the memory plugin sidecar (`cmd/memory-plugin-postgres`) in namespaces
// `workspace:<id>`, `team:<parent id | own id>` and `org:<root id>`.
// - `POST /workspaces/:id/memories` writes through the plugin (handlers/memories.go Commit);
// - `GET /workspaces/:id/memories` is the v1 shim (memories.go Search, #1828): every readable
//   namespace, 50 newest, `[{id, content, scope, created_at}]`; `scope`, `q`, `namespace` and
//   `limit` are not read;
// - `GET /workspaces/:id/v2/memories`, `DELETE …/v2/memories/:memoryId`, `GET …/v2/namespaces`
//   (handlers/memories_v2.go); there is no `POST …/v2/memories` (writes go through MCP), and v1
//   `DELETE`/`PATCH …/memories/:id` are gone (#1792: gin's 404);
// - the namespaces come from `memory/namespace/resolver.go`; search and forget follow
//   `memory/pgplugin/store.go`; without the plugin (`memoryPlugin: false`, `MEMORY_PLUGIN_URL`
//   unset) every route answers `503 "memory plugin is not configured (set MEMORY_PLUGIN_URL)"`.
import { type Ctx, HttpError, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { iso, newId, UUID_ANY_RE } from "../util.js";
import { featureStore, type MemoryRow, newestFirst } from "./feature-store.js";
import { auditGlobalWrite, ftsMatch, readMemoryWrite, stem, words } from "./memories.js";

/** The answer of every memory route when the sidecar is not configured (memories_v2.go available()). */
const NOT_CONFIGURED = { error: "memory plugin is not configured (set MEMORY_PLUGIN_URL)" };

function requirePlugin(platform: Platform): void {
  if (!platform.s.memoryPlugin) throw new HttpError(503, NOT_CONFIGURED);
}

// Go RE2 classes as in memories.ts: `\s` is ASCII whitespace only, and `(?i)` also folds
// U+212A (Kelvin) with `k` and U+017F (long s) with `s`.
const S = "[^\\t\\n\\f\\r ]";
const SP = "[\\t\\n\\f\\r ]";
const L = "A-Za-z\\u017f\\u212a";
const K = "[Kk\\u212a]";
const SS = "[Ss\\u017f]";
/** Case-folded letters of a Go `(?i)` literal. */
const fold = (word: string): string =>
  [...word]
    .map((c) => (c === "s" ? SS : c === "k" ? K : /[a-z]/.test(c) ? `[${c.toUpperCase()}${c}]` : c))
    .join("");

/** `memorySecretPatterns` at aeec8e47 (memories.go, #838 extended by #2832), in order. */
const REDACTIONS: [RegExp, string][] = [
  [
    new RegExp(`\\b[${L}][${L}0-9_]*_${fold("api")}_${fold("key")}${SP}*=${SP}*${S}+`, "g"),
    "API_KEY",
  ],
  [new RegExp(`\\b[${L}][${L}0-9_]*_${fold("token")}${SP}*=${SP}*${S}+`, "g"), "TOKEN"],
  [new RegExp(`\\b[${L}][${L}0-9_]*_${fold("secret")}${SP}*=${SP}*${S}+`, "g"), "SECRET"],
  [new RegExp(`Bearer${SP}+${S}+`, "g"), "BEARER_TOKEN"],
  [
    /-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]*?-----END OPENSSH PRIVATE KEY-----/g,
    "OPENSSH_PRIVATE_KEY",
  ],
  [/-----BEGIN[ A-Z]+PRIVATE KEY-----[\s\S]*?-----END[ A-Z]+PRIVATE KEY-----/g, "PRIVATE_KEY"],
  [
    new RegExp(
      `\\b(?:${fold("postgres")}(?:${fold("ql")})?|${fold("mysql")}|${fold("mongodb")}(?:\\+${fold("srv")})?|${fold("redis")}|${fold("amqp")}|${fold("amqps")})://(?:[^\\t\\n\\f\\r /@:]*:[^\\t\\n\\f\\r /@]+)@[^\\t\\n\\f\\r /]+`,
      "g",
    ),
    "DB_URL_WITH_CREDENTIALS",
  ],
  [/\bghp_[A-Za-z0-9]{16,}/g, "GITHUB_PAT"],
  [/\bgho_[A-Za-z0-9]{16,}/g, "GITHUB_OAUTH"],
  [/\bghs_[A-Za-z0-9]{16,}/g, "GITHUB_APP_SERVER_TOKEN"],
  [/\bghu_[A-Za-z0-9]{16,}/g, "GITHUB_USER_TOKEN"],
  [/\bghr_[A-Za-z0-9]{16,}/g, "GITHUB_REFRESH_TOKEN"],
  [/\bgithub_pat_[A-Za-z0-9_]{16,}/g, "GITHUB_FINEGRAINED_PAT"],
  [/\bvc_[A-Za-z0-9]{16,}/g, "VERCEL_TOKEN"],
  [/\bAKIA[A-Z0-9]{16}/g, "AWS_ACCESS_KEY_ID"],
  [/\bpplx-[A-Za-z0-9]{20,}/g, "PERPLEXITY_API_KEY"],
  [/sk-[A-Za-z0-9\-_]{16,}/g, "SK_TOKEN"],
  [/ctx7_[A-Za-z0-9]+/g, "CTX7_TOKEN"],
  [/[A-Za-z0-9+/]{33,}={0,2}/g, "BASE64_BLOB"],
];

/** `redactSecrets` at aeec8e47: what the plugin stores instead of the sent text. */
function redactSecrets2026_08(text: string): string {
  let out = text;
  for (const [re, label] of REDACTIONS) out = out.replace(re, `[REDACTED:${label}]`);
  return out;
}

/** One namespace of `resolver.go` (`Namespace`): its wire name, kind, writability, display name. */
export interface MemoryNamespace {
  name: string;
  kind: "workspace" | "team" | "org";
  writable: boolean;
  displayName: string;
}

/** `walkChain`'s hop limit (resolver.go `maxChainDepth`). */
const MAX_CHAIN_DEPTH = 50;

/**
 * `ReadableNamespaces` (resolver.go): `workspace:<self>`, `team:<parent, or self for a root>`,
 * `org:<root of the chain>`; only a root may write its org namespace. `undefined` when the
 * workspace has no row (`ErrWorkspaceNotFound`; a non-UUID id fails the query the same way).
 * Removed workspaces keep their rows, so they resolve.
 */
function readableNamespaces(platform: Platform, id: string): MemoryNamespace[] | undefined {
  if (!UUID_ANY_RE.test(id)) return undefined;
  const self = platform.ws(id.toLowerCase());
  if (self === undefined) return undefined;
  const chain = [self];
  for (let w = self; w.parentId !== null && chain.length <= MAX_CHAIN_DEPTH;) {
    const p = platform.ws(w.parentId);
    if (p === undefined) break;
    chain.push((w = p));
  }
  const root = chain[chain.length - 1]!;
  const parent = self.parentId === null ? self : (chain[1] ?? self);
  const team = self.parentId ?? self.id;
  return [
    { name: `workspace:${self.id}`, kind: "workspace", writable: true, displayName: self.name },
    { name: `team:${team}`, kind: "team", writable: true, displayName: parent.name },
    {
      name: `org:${root.id}`,
      kind: "org",
      writable: self.parentId === null,
      displayName: root.name,
    },
  ];
}

/** The plugin namespace a row lives in (rows written before 2026-08 are placed by their scope). */
function namespaceOf(platform: Platform, m: MemoryRow): string {
  if (m.v2Namespace !== undefined) return m.v2Namespace;
  const kind = m.scope === "LOCAL" ? "workspace" : m.scope === "TEAM" ? "team" : "org";
  return readableNamespaces(platform, m.workspaceId)?.find((n) => n.kind === kind)?.name ?? "";
}

/** `namespaceKindToLegacyScope` (mcp_tools_memory_legacy_shim.go). */
function legacyScope(ns: string): string {
  if (ns.startsWith("workspace:")) return "LOCAL";
  if (ns.startsWith("team:")) return "TEAM";
  if (ns.startsWith("org:")) return "GLOBAL";
  return "";
}

/** `POST /workspaces/:id/memories` at aeec8e47 (memories.go Commit): written through the plugin. */
export async function commitMemory2026_08(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const { content, scope, namespace } = await readMemoryWrite(ctx);
  // The parent lookup's error is ignored (a failed lookup counts as root).
  const ws = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  if (scope === "GLOBAL" && ws !== undefined && ws.parentId !== null)
    throw new HttpError(403, { error: "only root workspaces can write GLOBAL memories" });
  let stored = redactSecrets2026_08(content);
  if (scope === "GLOBAL") stored = stored.replaceAll("[MEMORY ", "[_MEMORY ");
  requirePlugin(platform);
  const writable = readableNamespaces(platform, id)?.filter((n) => n.writable);
  if (writable === undefined)
    throw new HttpError(500, { error: "failed to resolve writable namespaces" });
  const kind = scope === "LOCAL" ? "workspace" : scope === "TEAM" ? "team" : "org";
  const ns = writable.find((n) => n.kind === kind)?.name;
  if (ns === undefined)
    throw new HttpError(403, {
      error: `no writable namespace of kind ${kind} for workspace ${id}`,
    });
  const wsId = id.toLowerCase();
  const row: MemoryRow = {
    seq: platform.store.nextSeq(),
    id: newId(),
    workspaceId: wsId,
    content: stored,
    scope,
    namespace,
    createdAt: platform.now(),
    v2Namespace: ns,
    // HTTP POST /memories is the canvas/operator surface: `kind: fact`, `source: user`.
    kind: "fact",
    source: "user",
    pin: false,
  };
  featureStore(platform).memories.push(row);
  if (scope === "GLOBAL") auditGlobalWrite(platform, wsId, row.id, ns, stored, row.createdAt);
  platform.changed();
  // The caller's tag, not the plugin namespace (memories.go: "legacy response shape").
  sendJson(ctx, 201, { id: row.id, scope, namespace });
}

/** How a plugin search orders its rows: `pin DESC, created_at DESC` (ties: newest written first). */
function pinnedNewestFirst(a: MemoryRow, b: MemoryRow): number {
  return Number(b.pin ?? false) - Number(a.pin ?? false) || newestFirst(a, b);
}

/** A search hit: the row and, on the full-text path, its (approximated) `ts_rank`. */
interface Hit {
  row: MemoryRow;
  score?: number;
}

/**
 * The plugin's `Search` (pgplugin/store.go): rows of `namespaces`, of `kinds` when given; a query
 * of 2 bytes or more is full text (`plainto_tsquery('english')`, every word's stem must occur;
 * ordered by rank), a 1-byte query an `ILIKE` substring (`%` and `_` are its wildcards), none the
 * newest first; pinned rows first except on the full-text path.
 */
function pluginSearch(
  platform: Platform,
  namespaces: readonly string[],
  q: string,
  kinds: readonly string[],
  limit: number,
): Hit[] {
  const allowed = new Set(namespaces);
  let rows = featureStore(platform).memories.filter((m) => allowed.has(namespaceOf(platform, m)));
  if (kinds.length > 0) rows = rows.filter((m) => kinds.includes(m.kind ?? "fact"));
  if (Buffer.byteLength(q) >= 2) {
    const terms = words(q).map(stem);
    return rows
      .filter((m) => ftsMatch(m.content, q))
      .map((row) => {
        const have = words(row.content).map(stem);
        // Approximates `ts_rank`: 0.0607927 (Postgres's rank of one occurrence) per query-word occurrence.
        const hits = have.filter((w) => terms.includes(w)).length;
        return { row, score: Math.round(0.0607927 * hits * 1e7) / 1e7 };
      })
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || pinnedNewestFirst(a.row, b.row))
      .slice(0, limit);
  }
  if (q !== "") {
    const needle = q.toLowerCase();
    rows = rows.filter(
      (m) => needle === "%" || needle === "_" || m.content.toLowerCase().includes(needle),
    );
  }
  return [...rows]
    .sort(pinnedNewestFirst)
    .slice(0, limit)
    .map((row) => ({ row }));
}

/** `GET /workspaces/:id/memories` at aeec8e47: the v1 shim over the plugin (#1828). */
export function searchMemories2026_08(platform: Platform, ctx: Ctx, id: string): void {
  requirePlugin(platform);
  const readable = readableNamespaces(platform, id);
  if (readable === undefined)
    throw new HttpError(500, { error: "failed to resolve readable namespaces" });
  const hits = pluginSearch(
    platform,
    readable.map((n) => n.name),
    "",
    [],
    50,
  );
  sendJson(
    ctx,
    200,
    hits.map(({ row }) => ({
      id: row.id,
      content: row.content,
      scope: legacyScope(namespaceOf(platform, row)),
      // `Format("2006-01-02T15:04:05Z")`: whole seconds.
      created_at: `${iso(row.createdAt).slice(0, 19)}Z`,
    })),
  );
}

/** Go's `time.Time` JSON (RFC 3339 with the fraction's trailing zeros dropped). */
function goTime(ms: number): string {
  return iso(ms)
    .replace(/(\.\d*?)0+Z$/, "$1Z")
    .replace(/\.Z$/, "Z");
}

/** `parseLimit` (memories_v2.go): absent, unparsable or ≤ 0 → 50, above 100 → 100. */
function v2Limit(raw: string | null): number {
  if (raw === null || raw === "" || !/^[+-]?\d+$/.test(raw)) return 50;
  const n = Number(raw);
  return n <= 0 ? 50 : Math.min(n, 100);
}

const KINDS = new Set(["fact", "summary", "checkpoint"]);

/** `GET /workspaces/:id/v2/memories?namespace=&q=&kind=&limit=` (memories_v2.go Search). */
export function searchMemoriesV2(platform: Platform, ctx: Ctx, id: string): void {
  requirePlugin(platform);
  const readable = readableNamespaces(platform, id);
  if (readable === undefined) throw new HttpError(500, { error: "failed to resolve namespaces" });
  const requested = ctx.query.get("namespace") ?? "";
  // A namespace the workspace cannot read is answered as an empty list, never 403.
  const scoped = readable.map((n) => n.name).filter((n) => requested === "" || n === requested);
  if (scoped.length === 0) return sendJson(ctx, 200, { memories: [] });
  const kind = ctx.query.get("kind") ?? "";
  // The plugin refuses an unknown kind (400), which the handler reports as a plugin failure.
  if (kind !== "" && !KINDS.has(kind))
    throw new HttpError(502, { error: "memory plugin search failed" });
  const hits = pluginSearch(
    platform,
    scoped,
    ctx.query.get("q") ?? "",
    kind === "" ? [] : [kind],
    v2Limit(ctx.query.get("limit")),
  );
  sendJson(ctx, 200, {
    memories: hits.map(({ row, score }) => ({
      id: row.id,
      namespace: namespaceOf(platform, row),
      content: row.content,
      kind: row.kind ?? "fact",
      source: row.source ?? "user",
      pin: row.pin ?? false,
      created_at: goTime(row.createdAt),
      ...(score !== undefined ? { score } : {}),
    })),
  });
}

/** `contract.ValidateNamespaceName`'s pattern. */
const NAMESPACE_RE = /^[a-z]+:[A-Za-z0-9_:.-]+$/;

/**
 * `DELETE /workspaces/:id/v2/memories/:memoryId` (memories_v2.go Forget): the plugin deletes
 * the row only in `workspace:<id>` (the path's id as written: `DELETE … WHERE id = $1 AND
 * namespace = $2`), so another workspace's row, a TEAM or org row and an unknown id are all
 * `404 memory not found`; the plugin's own failures (an id that is not a UUID fails its query)
 * are `502 memory plugin delete failed`.
 */
export function forgetMemoryV2(platform: Platform, ctx: Ctx, id: string, memoryId: string): void {
  requirePlugin(platform);
  const requestedBy = `workspace:${id}`;
  if (!NAMESPACE_RE.test(requestedBy) || !UUID_ANY_RE.test(memoryId))
    throw new HttpError(502, { error: "memory plugin delete failed" });
  const all = featureStore(platform).memories;
  const i = all.findIndex(
    (m) => m.id === memoryId.toLowerCase() && namespaceOf(platform, m) === requestedBy,
  );
  if (i < 0) throw new HttpError(404, { error: "memory not found" });
  all.splice(i, 1);
  platform.changed();
  sendJson(ctx, 200, { status: "deleted" });
}

/** `namespaceLabelWithName` (memories_v2.go): `Workspace (<name>)`, `Team (…)`, `Org (…)`. */
function label(n: MemoryNamespace): string {
  const suffix = n.name.slice(n.name.indexOf(":") + 1);
  const shown =
    n.displayName !== "" ? n.displayName : n.kind === "org" ? suffix : suffix.slice(0, 8);
  const kind = n.kind === "workspace" ? "Workspace" : n.kind === "team" ? "Team" : "Org";
  return `${kind} (${shown})`;
}

/** `NamespaceView`: name, kind, label. */
function view(n: MemoryNamespace): { name: string; kind: string; label: string } {
  return { name: n.name, kind: n.kind, label: label(n) };
}

/** `GET /workspaces/:id/v2/namespaces` (memories_v2.go Namespaces): `{readable, writable}`. */
export function listNamespacesV2(platform: Platform, ctx: Ctx, id: string): void {
  requirePlugin(platform);
  const readable = readableNamespaces(platform, id);
  if (readable === undefined)
    throw new HttpError(500, { error: "failed to resolve readable namespaces" });
  sendJson(ctx, 200, {
    readable: readable.map(view),
    writable: readable.filter((n) => n.writable).map(view),
  });
}
