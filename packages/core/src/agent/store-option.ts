// Resolves RemoteAgent's `store` option (and the older `cursorStore`) to one AgentStore.
import { MemoryCursorStore, MoleculeStoreError } from "../inbound/index.js";
import type { CursorStore } from "../inbound/index.js";
import { MoleculeOptionError } from "../transport/index.js";
import type { AgentStateStore } from "./state-store.js";
import type { AgentStore, PushClaimResult } from "./store.js";
import { LocalPushClaims } from "./store-claims.js";
import { checkMaxDeliveries, storeRpcError } from "./store-errors.js";

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

/**
 * The push claim by `messageId`: the shared store's for `workspaceId`, else one counted in the
 * agent's own saved `state` (memory and file stores).
 */
export function pushClaimOf(
  store: AgentStore,
  workspaceId: string,
  state: AgentStateStore,
): (messageId: string) => Promise<PushClaimResult> {
  const claim = store.shared?.claimPush?.bind(store.shared);
  if (claim) return async (messageId) => await claim(workspaceId, messageId);
  const local = new LocalPushClaims(state, maxDeliveriesOf(store));
  return async (messageId) => {
    try {
      return await local.claim(messageId);
    } catch (err) {
      // The sender gets a retryable JSON-RPC error, not an opaque internal one.
      if (err instanceof MoleculeStoreError) throw storeRpcError(err);
      throw err;
    }
  };
}

/** Whether the user passed a store (unsent answers then stay in it at stop, not dead-lettered). */
export function hasStore(options: { store?: AgentStore; cursorStore?: CursorStore }): boolean {
  return options.store !== undefined || options.cursorStore !== undefined;
}
