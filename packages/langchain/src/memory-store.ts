// A LangGraph `BaseStore` on Molecule org memories: what a graph keeps with `store.put()` survives
// the process and is visible on the canvas. Each item is one memory; see the README for the
// mapping and what the platform cannot do.
import { createHash } from "node:crypto";
import {
  BaseStore,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type SearchOperation,
} from "@langchain/langgraph";
import { MoleculeError, type PlatformClient } from "@molecule-ai/agent-core";
import {
  type Memory,
  MEMORY_STORE_MARK,
  type MemoryScope,
  redactMemorySecrets,
} from "@molecule-ai/agent-core/org";

/** What the store needs of a platform client. */
export type MemoryStoreClient = Pick<
  PlatformClient,
  "commitMemory" | "searchMemories" | "deleteMemory" | "workspaceId"
>;

/** Options of {@link MoleculeMemoryStore}. */
export interface MoleculeMemoryStoreOptions {
  /**
   * The scope items are written with and read from (default `"LOCAL"`: this workspace only).
   * `"TEAM"` shares them with the parent and siblings (their items are read too, as peer data).
   */
  scope?: Extract<MemoryScope, "LOCAL" | "TEAM"> | undefined;
  /** The Molecule memory namespace holding the items (default `"langgraph"`, at most 50 bytes). */
  namespace?: string | undefined;
}

type SearchItem = Awaited<ReturnType<BaseStore["search"]>>[number];

/** A 20-hex-digit token (a word full-text search finds, short enough to escape redaction). */
function token(prefix: string, parts: unknown): string {
  return prefix + createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 20);
}

/**
 * Base64 in runs of 32 characters separated by dots: the platform's redaction (a 33-character
 * base64 run, `..._TOKEN=`, `Bearer `, `sk-`, `ctx7_`) cannot match inside it, so what goes in
 * has been through the platform's patterns already ({@link redactItem}).
 */
function encode(data: unknown): string {
  const b64 = Buffer.from(JSON.stringify(data)).toString("base64");
  return (b64.match(/.{1,32}/g) ?? []).join(".");
}

function decode(text: string): unknown {
  return JSON.parse(Buffer.from(text.replaceAll(".", ""), "base64").toString("utf8"));
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

interface Stored {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  createdAt: string;
}

/**
 * A LangGraph `BaseStore` whose items are Molecule memories. Per item: a memory in one Molecule
 * namespace (default `langgraph`), holding a readable line (for the canvas and full-text search)
 * and the item, encoded so the platform's redaction cannot alter its structure. The strings of a
 * value go through the platform's own secret patterns first (`redactMemorySecrets`: a secret is
 * stored as `[REDACTED:<LABEL>]`, as in any memory), and a namespace or key holding such text is
 * refused (`MoleculeError` `memory_secret_refused`). Lookups go by
 * search tokens, so limits apply: a namespace prefix yields at most 50 items per call (the
 * platform's cap, no paging); `put` replaces an item by writing a new memory and deleting the old
 * (no update in place); `query` is a substring match on the item's JSON; no vector search.
 */
export class MoleculeMemoryStore extends BaseStore {
  readonly #client: MemoryStoreClient;
  readonly #scope: "LOCAL" | "TEAM";
  readonly #namespace: string;

  constructor(client: MemoryStoreClient, options: MoleculeMemoryStoreOptions = {}) {
    super();
    this.#client = client;
    this.#scope = options.scope ?? "LOCAL";
    this.#namespace = options.namespace ?? "langgraph";
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const out: unknown[] = [];
    for (const op of operations) {
      if ("key" in op && "value" in op) out.push(await this.#put(op.namespace, op.key, op.value));
      else if ("key" in op) out.push(await this.#get(op.namespace, op.key));
      else if ("namespacePrefix" in op) out.push(await this.#search(op));
      else out.push(await this.#listNamespaces(op));
    }
    return out as OperationResults<Op>;
  }

  /** The memories carrying `tok` in this store's namespace and scope, decoded. */
  async #find(tok: string): Promise<{ memory: Memory; item: Stored }[]> {
    const rows = await this.#client.searchMemories({
      scope: this.#scope,
      namespace: this.#namespace,
      q: tok,
      limit: 50,
    });
    const found: { memory: Memory; item: Stored }[] = [];
    for (const memory of rows) {
      const at = memory.content.lastIndexOf(MEMORY_STORE_MARK);
      if (at < 0) continue;
      try {
        const item = decode(memory.content.slice(at + MEMORY_STORE_MARK.length).trim()) as Stored;
        if (Array.isArray(item.namespace) && typeof item.key === "string")
          found.push({ memory, item });
      } catch {
        // not an item of this store (or altered): skipped
      }
    }
    return found;
  }

  /** An item as read: its value redacted again (an item written before the store redacted). */
  #item(m: Memory, s: Stored): Item {
    const updatedAt = m.createdAt ? new Date(m.createdAt) : new Date(s.createdAt);
    return {
      namespace: s.namespace,
      key: s.key,
      value: redactValue(s.value) as Record<string, unknown>,
      createdAt: new Date(s.createdAt),
      updatedAt,
    };
  }

  async #get(namespace: string[], key: string): Promise<Item | null> {
    const hits = (await this.#find(token("k", [namespace, key]))).filter(
      (h) => h.item.key === key && JSON.stringify(h.item.namespace) === JSON.stringify(namespace),
    );
    const own = hits.find((h) => !h.memory.fromPeer) ?? hits[0];
    return own ? this.#item(own.memory, own.item) : null;
  }

  async #put(
    namespace: string[],
    key: string,
    value: Record<string, unknown> | null,
  ): Promise<void> {
    const old = (await this.#find(token("k", [namespace, key]))).filter(
      (h) =>
        !h.memory.fromPeer &&
        h.item.key === key &&
        JSON.stringify(h.item.namespace) === JSON.stringify(namespace),
    );
    if (value !== null) {
      const prefixes = namespace.map((_, i) => token("p", namespace.slice(0, i + 1)));
      const stored = redactItem({
        namespace,
        key,
        value,
        createdAt: old[0]?.item.createdAt ?? new Date().toISOString(),
      });
      const readable = `${[...namespace, key].join("/")}: ${JSON.stringify(stored.value).slice(0, 300)}`;
      await this.#client.commitMemory({
        content: `${readable}\n${token("k", [namespace, key])} ${token("p", [])} ${prefixes.join(" ")}\n${MEMORY_STORE_MARK}${encode(stored)}`,
        scope: this.#scope,
        namespace: this.#namespace,
      });
    }
    for (const h of old) await this.#client.deleteMemory(h.memory.id);
  }

  async #search(op: SearchOperation): Promise<SearchItem[]> {
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

  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
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
