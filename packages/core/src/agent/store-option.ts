// Resolves RemoteAgent's `store` option (and the older `cursorStore`) to one AgentStore.
import { MemoryCursorStore } from "../inbound/index.js";
import type { CursorStore } from "../inbound/index.js";
import { MoleculeOptionError } from "../transport/index.js";
import type { AgentStore, PushClaimResult } from "./store.js";

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

/** The shared store's push claim for `workspaceId`, when the store is shared. */
export function pushClaimOf(
  store: AgentStore,
  workspaceId: string,
): ((messageId: string) => Promise<PushClaimResult>) | undefined {
  const claim = store.shared?.claimPush?.bind(store.shared);
  return claim ? async (messageId) => await claim(workspaceId, messageId) : undefined;
}

/** Whether the user passed a store (unsent answers then stay in it at stop, not dead-lettered). */
export function hasStore(options: { store?: AgentStore; cursorStore?: CursorStore }): boolean {
  return options.store !== undefined || options.cursorStore !== undefined;
}
