// A LangGraph `BaseStore` on Molecule org memories: what a graph keeps with `store.put()` survives
// the process and is visible on the canvas. Each item is one memory; see the README for the
// mapping and what the platform cannot do. The items themselves are core's `MemoryItemStore`.
import { BaseStore, type Operation, type OperationResults } from "@langchain/langgraph";
import {
  MemoryItemStore,
  type MemoryItemOperation,
  type MemoryStoreClient,
  type MoleculeMemoryStoreOptions,
} from "@molecule-ai/agent-core/org";

export type { MemoryStoreClient, MoleculeMemoryStoreOptions } from "@molecule-ai/agent-core/org";

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
  readonly #items: MemoryItemStore;

  constructor(client: MemoryStoreClient, options: MoleculeMemoryStoreOptions = {}) {
    super();
    this.#items = new MemoryItemStore(client, options);
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results = await this.#items.batch(operations as MemoryItemOperation[]);
    return results as OperationResults<Op>;
  }
}
