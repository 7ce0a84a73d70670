// Resolves RemoteAgent's `store` option (and the older `cursorStore`) to one AgentStore.
import { MemoryCursorStore } from "./cursor-store.js";
import type { CursorStore } from "../inbound/index.js";
import { MoleculeOptionError } from "../transport/index.js";
import type { AgentStore } from "./store.js";
import { checkMaxDeliveries } from "./store-errors.js";

/** The store an agent uses: `store`, else `cursorStore` wrapped as one, else in memory. */
export function storeOf(options: { store?: AgentStore; cursorStore?: CursorStore }): AgentStore {
  const { store, cursorStore } = options;
  if (store !== undefined && cursorStore !== undefined) {
    throw new MoleculeOptionError(
      "store",
      "RemoteAgent: pass either `store` or `cursorStore`, not both (`cursorStore: s` is the same as `store: { state: s }`).",
    );
  }
  if (store !== undefined) {
    const state = (store as Partial<AgentStore> | null)?.state;
    if (!state || typeof state.load !== "function" || typeof state.save !== "function") {
      throw new MoleculeOptionError(
        "store",
        "RemoteAgent: `store` must be an AgentStore, e.g. fileStore('./cursor') or createPostgresStore({ connectionString }).",
      );
    }
    return store;
  }
  return { state: cursorStore ?? new MemoryCursorStore() };
}

/** The store's `maxDeliveries` (checked), or the default 5. */
export function maxDeliveriesOf(store: AgentStore): number {
  return checkMaxDeliveries(store.maxDeliveries, "store");
}

/** Whether the user passed a store (unsent answers then stay in it at stop, not dead-lettered). */
export function hasStore(options: { store?: AgentStore; cursorStore?: CursorStore }): boolean {
  return options.store !== undefined || options.cursorStore !== undefined;
}
