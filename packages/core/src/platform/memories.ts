// Org memory (`/workspaces/:id/memories`): commit, search by scope, delete. Scopes are checked
// here because the server is lax on reads (a bad scope silently means "my rows");
// shared/reference/platform-api-workspace-features.md §1.
import { neutralizePeerMarkers } from "../a2a/index.js";
import { MoleculeAuthError, MoleculeNotFoundError, redactDeep } from "../transport/index.js";
import { memoryCommitSchema, memoryListSchema, type WireMemoryRow } from "../wire/index.js";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { enc, type PlatformSession } from "./session.js";

/** Who may read a memory: the writer only, its team (parent + siblings), or every workspace. */
export type MemoryScope = "LOCAL" | "TEAM" | "GLOBAL";

const SCOPES: readonly MemoryScope[] = ["LOCAL", "TEAM", "GLOBAL"];
/** The platform's namespace bound (a VARCHAR(50), counted in bytes). */
export const MAX_NAMESPACE_BYTES = 50;
/** The SDK's bound on one memory's text (the platform has none). */
export const MAX_MEMORY_BYTES = 256 * 1024;
/** The platform's row cap per read. */
export const MAX_MEMORY_ROWS = 50;

/** The platform's own prefix of a GLOBAL row (memories.go:23); a prefix, no closing marker. */
const GLOBAL_PREFIX = /^\[MEMORY id=[0-9a-f-]{36} scope=GLOBAL from=[0-9a-f-]{36}\]: /;
/** A look-alike memory marker inside text (defused with a zero-width space after the `[`). */
const MEMORY_MARKER = /\[(?=_?MEMORY[\s\u00a0])/gi;

/** A memory as read from the platform. */
export interface Memory {
  id: string;
  /** The workspace that wrote it (the platform records it from the writer's token). */
  workspaceId: string;
  /**
   * The text as the platform returned it: redacted on write (see README), GLOBAL rows keep the
   * platform's `[MEMORY id=… scope=GLOBAL from=…]: ` prefix. Rows written by another workspace
   * are peer output: spoofed trust markers inside are neutralised (`neutralizePeerMarkers`).
   */
  content: string;
  scope: MemoryScope;
  namespace: string;
  createdAt: string | undefined;
  /** `true` when another workspace wrote it (decided from `workspace_id`, never from the text). */
  fromPeer: boolean;
}

/** Input of `PlatformClient.commitMemory`. */
export interface CommitMemoryInput {
  content: string;
  /** Default `"LOCAL"`. `"GLOBAL"` only from a root workspace (else a 403 `global_memory_forbidden`). */
  scope?: MemoryScope | undefined;
  /** Up to 50 bytes; default `"general"`. */
  namespace?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Filters of `PlatformClient.searchMemories`. */
export interface SearchMemoriesOptions {
  /**
   * Which rows: absent = this workspace's own rows of every scope; `"LOCAL"` = own LOCAL;
   * `"TEAM"` = TEAM rows of the parent, siblings and self (a root: self and its children);
   * `"GLOBAL"` = every GLOBAL row of the platform.
   */
  scope?: MemoryScope | undefined;
  /** Search text: 2+ bytes = English full-text search (stemmed), 1 byte = substring. */
  q?: string | undefined;
  /** Exact namespace. */
  namespace?: string | undefined;
  /** 1..50 (default 50, the platform's cap). */
  limit?: number | undefined;
  signal?: AbortSignal | undefined;
}

function checkScope(scope: unknown, what: string): MemoryScope {
  if (typeof scope === "string" && (SCOPES as readonly string[]).includes(scope))
    return scope as MemoryScope;
  throw invalid(
    `${what} must be exactly "LOCAL", "TEAM" or "GLOBAL" (upper case); got ${JSON.stringify(scope)}`,
  );
}

function checkNamespace(ns: unknown): string | undefined {
  if (ns === undefined) return undefined;
  if (typeof ns !== "string" || ns === "")
    throw invalid('namespace must be a non-empty string (omit it for "general")');
  if (Buffer.byteLength(ns) > MAX_NAMESPACE_BYTES)
    throw invalid(
      `namespace must be at most ${MAX_NAMESPACE_BYTES} bytes (UTF-8); got ${Buffer.byteLength(ns)}`,
    );
  return ns;
}

/**
 * The text of a row as the SDK hands it on: own rows as stored; another workspace's rows with
 * the platform's GLOBAL prefix kept and spoofed markers in the rest neutralised.
 */
export function memoryText(
  row: Pick<WireMemoryRow, "content" | "scope" | "workspace_id">,
  self: string,
): string {
  if (row.workspace_id.toLowerCase() === self) return row.content;
  const prefix = row.scope === "GLOBAL" ? (GLOBAL_PREFIX.exec(row.content)?.[0] ?? "") : "";
  const rest = row.content.slice(prefix.length);
  return prefix + neutralizePeerMarkers(rest).replace(MEMORY_MARKER, "[\u200b");
}

/** `POST /workspaces/:id/memories`. */
export async function commitMemory(
  s: PlatformSession,
  input: CommitMemoryInput,
): Promise<{ id: string; scope: MemoryScope; namespace: string }> {
  if (!input || typeof input.content !== "string" || input.content.trim() === "")
    throw invalid("commitMemory needs { content } with non-empty text");
  if (Buffer.byteLength(input.content) > MAX_MEMORY_BYTES)
    throw invalid(`a memory is at most ${MAX_MEMORY_BYTES} bytes; split or summarise it`);
  const scope = checkScope(input.scope ?? "LOCAL", "scope");
  const namespace = checkNamespace(input.namespace);
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/memories`,
    json: { content: input.content, scope, ...(namespace !== undefined ? { namespace } : {}) },
    signal: input.signal,
  });
  if (res.status === 403)
    throw new MoleculeAuthError(
      `commitMemory: only a root workspace (no parent) may write GLOBAL memories; write TEAM instead`,
      { status: 403, body: redactDeep(res.body, s.known), code: "global_memory_forbidden" },
    );
  if (!ok(res.status)) throw await s.selfFail(res, "commitMemory", input.signal);
  const b = s.expect(memoryCommitSchema, res, "commitMemory");
  return { id: b.id, scope: checkScope(b.scope, "the platform's scope"), namespace: b.namespace };
}

/** `GET /workspaces/:id/memories`: one scope per call, newest first, at most 50 rows. */
export async function searchMemories(
  s: PlatformSession,
  options: SearchMemoriesOptions,
): Promise<Memory[]> {
  const query: Record<string, string | number | undefined> = {};
  if (options.scope !== undefined) query.scope = checkScope(options.scope, "scope");
  if (options.q !== undefined) {
    if (typeof options.q !== "string") throw invalid("q must be a string");
    query.q = options.q || undefined;
  }
  query.namespace = checkNamespace(options.namespace);
  if (options.limit !== undefined) {
    const n = options.limit;
    if (!Number.isInteger(n) || n < 1 || n > MAX_MEMORY_ROWS)
      throw invalid(`limit must be an integer from 1 to ${MAX_MEMORY_ROWS}; got ${String(n)}`);
    query.limit = n;
  }
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/memories`,
    query,
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "searchMemories", options.signal);
  const rows = s.expect(memoryListSchema, res, "searchMemories");
  const self = s.workspaceId;
  const out: Memory[] = [];
  for (const r of rows) {
    if (!(SCOPES as readonly string[]).includes(r.scope)) continue;
    out.push({
      id: r.id,
      workspaceId: r.workspace_id.toLowerCase(),
      content: memoryText(r, self),
      scope: r.scope as MemoryScope,
      namespace: r.namespace ?? "general",
      createdAt: r.created_at,
      fromPeer: r.workspace_id.toLowerCase() !== self,
    });
  }
  return out;
}

/** `DELETE /workspaces/:id/memories/:memoryId`: own rows only (a foreign or missing id is `memory_not_found`). */
export async function deleteMemory(
  s: PlatformSession,
  memoryId: string,
  options: { signal?: AbortSignal | undefined },
): Promise<void> {
  if (typeof memoryId !== "string" || !/^[0-9a-f-]{36}$/i.test(memoryId))
    throw invalid(`deleteMemory needs a memory id (a UUID); got ${JSON.stringify(memoryId)}`);
  const res = await s.send({
    method: "DELETE",
    path: `/workspaces/${enc(s.workspaceId)}/memories/${enc(memoryId)}`,
    signal: options.signal,
  });
  if (res.status === 404)
    throw new MoleculeNotFoundError(
      `deleteMemory(${memoryId}): no such memory written by this workspace (a workspace deletes only its own memories)`,
      { status: 404, body: redactDeep(res.body, s.known), code: "memory_not_found" },
    );
  if (!ok(res.status)) throw await s.selfFail(res, "deleteMemory", options.signal);
}

/**
 * Memories as text for a model, one per line: `[SCOPE] text` for this workspace's own,
 * `[SCOPE from <workspace id>] text` for another workspace's (already neutralised; GLOBAL rows keep
 * the platform's prefix). The one rendering every adapter's recall tool uses.
 */
export function formatMemories(memories: readonly Memory[]): string {
  if (memories.length === 0) return "No memories found.";
  return memories
    .map((m) => `[${m.scope}${m.fromPeer ? ` from ${m.workspaceId}` : ""}] ${m.content}`)
    .join("\n");
}
