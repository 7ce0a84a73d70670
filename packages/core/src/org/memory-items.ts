// Key-value items on org memories, for a framework's store (`MoleculeMemoryStore`, a LangGraph
// `BaseStore`, in @molecule-ai/langchain/langgraph): each item is one memory holding a readable
// line (for the canvas and full-text search), search tokens, and the item, encoded so the
// platform's redaction cannot alter its structure. The operations take LangGraph's shapes
// (get, put, search, list namespaces), written here once, without the framework.
import { base64OfText, sha256Hex, textOfBase64 } from "../runtime/index.js";
import { MEMORY_STORE_MARK, redactMemorySecrets } from "../platform/index.js";
import type { Memory, MemoryScope, PlatformClient } from "../platform/index.js";
import { MoleculeError } from "../transport/index.js";

/** What the item store needs of a platform client. */
export type MemoryStoreClient = Pick<
  PlatformClient,
  "commitMemory" | "searchMemories" | "deleteMemory" | "workspaceId"
>;

/** Options of {@link MemoryItemStore}. */
export interface MoleculeMemoryStoreOptions {
  /**
   * The scope items are written with and read from (default `"LOCAL"`: this workspace only).
   * `"TEAM"` shares them with the parent and siblings (their items are read too, as peer data).
   * On memory v2 (August 2026), which records no writer of a TEAM row, a TEAM store refuses
   * (`memory_scope_unsupported`) once it reads such a row: it could not tell its own items.
   */
  scope?: Extract<MemoryScope, "LOCAL" | "TEAM"> | undefined;
  /** The Molecule memory namespace holding the items (default `"langgraph"`, at most 50 bytes). */
  namespace?: string | undefined;
}

/** One item as read. */
export interface MemoryItem {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** The operations of {@link MemoryItemStore.batch} (LangGraph's `Operation` shapes). */
export type MemoryItemOperation =
  | { namespace: string[]; key: string; value: Record<string, unknown> | null }
  | { namespace: string[]; key: string }
  | MemoryItemSearch
  | MemoryItemListing;

/** A search of {@link MemoryItemStore.batch}. */
export interface MemoryItemSearch {
  namespacePrefix: string[];
  filter?: Record<string, unknown> | undefined;
  query?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** A namespace listing of {@link MemoryItemStore.batch}. */
export interface MemoryItemListing {
  matchConditions?: { matchType: string; path: readonly string[] }[] | undefined;
  maxDepth?: number | undefined;
  limit: number;
  offset: number;
}

interface Stored {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  createdAt: string;
  /**
   * The store's Molecule namespace: memory v2 (August 2026) keeps no label, so this is what tells
   * two stores of one workspace apart there (absent in an item an earlier release wrote).
   */
  store?: string;
}

type Hit = { memory: Memory; item: Stored };

/** A 20-hex-digit token (a word full-text search finds, short enough to escape redaction). */
function token(prefix: string, parts: unknown): string {
  return prefix + sha256Hex(JSON.stringify(parts)).slice(0, 20);
}

/**
 * Base64 in runs of 32 characters separated by dots: the platform's redaction (a 33-character
 * base64 run, `..._TOKEN=`, `Bearer `, `sk-`, `ctx7_`) cannot match inside it, so what goes in
 * has been through the platform's patterns already ({@link redactItem}).
 */
function encode(data: unknown): string {
  const b64 = base64OfText(JSON.stringify(data));
  return (b64.match(/.{1,32}/g) ?? []).join(".");
}

function decode(text: string): unknown {
  return JSON.parse(textOfBase64(text.replaceAll(".", "")));
}

/** Every string of `value` (object keys included) as the platform would store it as text. */
function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactMemorySecrets(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redactMemorySecrets(k)] = redactValue(v);
    return out;
  }
  return value;
}

/**
 * The item with its value's strings redacted by the platform's own secret patterns, refused
 * (`memory_secret_refused`) when its namespace or key holds such text, or when its JSON still
 * would be redacted: the encoding never carries what the platform would have removed.
 */
function redactItem(item: Stored): Stored {
  const value = redactValue(JSON.parse(JSON.stringify(item.value))) as Record<string, unknown>;
  const out = { ...item, value };
  const json = JSON.stringify(out);
  if (redactMemorySecrets(json) !== json)
    throw new MoleculeError(
      "MoleculeMemoryStore.put: the item's namespace or key holds text the platform redacts as a secret (NAME_TOKEN=…, Bearer …, sk-…, a run of 33+ letters and digits); use a namespace and key without secrets",
      { code: "memory_secret_refused" },
    );
  return out;
}

/** A TEAM store on memory v2, where the platform records no writer of a TEAM row. */
function teamWithoutWriters(): MoleculeError {
  return new MoleculeError(
    'MoleculeMemoryStore (scope "TEAM"): this platform (memory v2, August 2026) records no writer of a TEAM memory, so a teammate\'s row cannot be told from this agent\'s own item, nor replaced; use scope "LOCAL" (this workspace only)',
    { code: "memory_scope_unsupported", retryable: false },
  );
}

const sameItem = (h: Hit, namespace: string[], key: string): boolean =>
  h.item.key === key && JSON.stringify(h.item.namespace) === JSON.stringify(namespace);

/**
 * Items on Molecule memories (see the file comment). A value's strings go through the platform's
 * secret patterns first (a secret is stored as `[REDACTED:<LABEL>]`), and a namespace or key
 * holding such text is refused (`MoleculeError` `memory_secret_refused`). Lookups go by search
 * tokens, so limits apply: a namespace prefix yields at most 50 items per call (the platform's
 * cap, no paging); `put` replaces an item by writing a new memory and deleting the old; `query`
 * is a substring match on the item's JSON; no vector search.
 */
export class MemoryItemStore {
  readonly #client: MemoryStoreClient;
  readonly #scope: "LOCAL" | "TEAM";
  readonly #namespace: string;

  constructor(client: MemoryStoreClient, options: MoleculeMemoryStoreOptions = {}) {
    this.#client = client;
    this.#scope = options.scope ?? "LOCAL";
    this.#namespace = options.namespace ?? "langgraph";
  }

  /** Runs the operations in order; one result each (`null`/`undefined` for put and a miss). */
  async batch(operations: readonly MemoryItemOperation[]): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const op of operations) {
      if ("key" in op && "value" in op) out.push(await this.#put(op.namespace, op.key, op.value));
      else if ("key" in op) out.push(await this.#get(op.namespace, op.key));
      else if ("namespacePrefix" in op) out.push(await this.#search(op));
      else out.push(await this.#listNamespaces(op));
    }
    return out;
  }

  /**
   * The memories carrying `tok` in this store's namespace and scope, decoded: the agent's own
   * (`own`: read apart, from rows only this workspace writes, so no teammate's rows can crowd
   * them out of the 50-row page), or every one the scope shows.
   */
  async #find(tok: string, own = false): Promise<Hit[]> {
    const rows = await this.#client.searchMemories({
      // A LOCAL store reads scope LOCAL: this workspace's own rows (v1), its own `workspace:<id>`
      // namespace (v2, `GET /v2/memories?namespace=`), never a teammate's. A TEAM store's own
      // items are read without a scope: this workspace's own rows of every scope on v1 (on v2 it
      // refuses at the first TEAM row, below).
      ...(own && this.#scope === "TEAM" ? {} : { scope: this.#scope }),
      namespace: this.#namespace,
      q: tok,
      limit: 50,
    });
    const found: Hit[] = [];
    for (const memory of rows) {
      // A TEAM row that names no writer (memory v2) could be any teammate's: never read as an item.
      if (this.#scope === "TEAM" && memory.scope === "TEAM" && memory.workspaceId === undefined)
        throw teamWithoutWriters();
      if (own && (memory.fromPeer || memory.scope !== this.#scope)) continue;
      const at = memory.content.lastIndexOf(MEMORY_STORE_MARK);
      if (at < 0) continue;
      try {
        const item = decode(memory.content.slice(at + MEMORY_STORE_MARK.length).trim()) as Stored;
        // The platform filters by the label before memory v2; on v2 the item names its store (one
        // an earlier release wrote names none, and is read as before).
        const mine = item.store === undefined || item.store === this.#namespace;
        if (mine && Array.isArray(item.namespace) && typeof item.key === "string")
          found.push({ memory, item });
      } catch {
        // not an item of this store (or altered): skipped
      }
    }
    return found;
  }

  /** An item as read: its value redacted again (an item written before the store redacted). */
  #item(m: Memory, s: Stored): MemoryItem {
    const updatedAt = m.createdAt ? new Date(m.createdAt) : new Date(s.createdAt);
    const value = redactValue(s.value) as Record<string, unknown>;
    return {
      namespace: s.namespace,
      key: s.key,
      value,
      createdAt: new Date(s.createdAt),
      updatedAt,
    };
  }

  /** The agent's own item first, whatever teammates write; else a teammate's (TEAM scope). */
  async #get(namespace: string[], key: string): Promise<MemoryItem | null> {
    const tok = token("k", [namespace, key]);
    const mine = (await this.#find(tok, true)).find((h) => sameItem(h, namespace, key));
    if (mine) return this.#item(mine.memory, mine.item);
    if (this.#scope === "LOCAL") return null;
    const theirs = (await this.#find(tok)).find((h) => sameItem(h, namespace, key));
    return theirs ? this.#item(theirs.memory, theirs.item) : null;
  }

  async #put(namespace: string[], key: string, value: Record<string, unknown> | null) {
    // Redacted (a namespace or key holding a secret refused) before any request; the time it
    // was first written, a timestamp, is set after the lookup.
    const redacted =
      value === null
        ? undefined
        : redactItem({ namespace, key, value, createdAt: "", store: this.#namespace });
    const old = (await this.#find(token("k", [namespace, key]), true)).filter((h) =>
      sameItem(h, namespace, key),
    );
    if (redacted !== undefined) {
      const prefixes = namespace.map((_, i) => token("p", namespace.slice(0, i + 1)));
      const stored = { ...redacted, createdAt: old[0]?.item.createdAt ?? new Date().toISOString() };
      const readable = `${[...namespace, key].join("/")}: ${JSON.stringify(stored.value).slice(0, 300)}`;
      await this.#client.commitMemory({
        content: `${readable}\n${token("k", [namespace, key])} ${token("p", [])} ${prefixes.join(" ")}\n${MEMORY_STORE_MARK}${encode(stored)}`,
        scope: this.#scope,
        namespace: this.#namespace,
      });
    }
    for (const h of old) await this.#client.deleteMemory(h.memory.id);
  }

  async #search(op: MemoryItemSearch) {
    const hits = await this.#find(token("p", op.namespacePrefix));
    const prefix = JSON.stringify(op.namespacePrefix).slice(0, -1);
    let items = hits
      .filter((h) => JSON.stringify(h.item.namespace).startsWith(prefix))
      .map((h) => this.#item(h.memory, h.item));
    const filter = op.filter;
    if (filter)
      items = items.filter((i) =>
        Object.entries(filter).every(([k, v]) => JSON.stringify(i.value[k]) === JSON.stringify(v)),
      );
    const query = op.query?.toLowerCase();
    if (query) items = items.filter((i) => JSON.stringify(i.value).toLowerCase().includes(query));
    const offset = op.offset ?? 0;
    return items.slice(offset, offset + (op.limit ?? 10));
  }

  async #listNamespaces(op: MemoryItemListing) {
    const hits = await this.#find(token("p", []));
    const seen = new Map<string, string[]>();
    for (const h of hits) {
      let ns = h.item.namespace;
      const ok = (op.matchConditions ?? []).every((c) => {
        const path = c.path;
        const part = c.matchType === "prefix" ? ns.slice(0, path.length) : ns.slice(-path.length);
        return part.length === path.length && path.every((p, i) => p === "*" || p === part[i]);
      });
      if (!ok) continue;
      if (op.maxDepth !== undefined) ns = ns.slice(0, op.maxDepth);
      seen.set(JSON.stringify(ns), ns);
    }
    return [...seen.values()].slice(op.offset, op.offset + op.limit);
  }
}
