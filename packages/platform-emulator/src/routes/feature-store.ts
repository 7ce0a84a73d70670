// Rows of the workspace-feature routes (memories, approvals), kept in the emulator's store and so
// in its state file (shared/reference/platform-api-workspace-features.md §1-§2).
import type { Platform } from "../platform.js";
import type { Store } from "../store.js";

export type { ApprovalRow, MemoryRow } from "../store.js";

/** The feature rows of one emulated platform (kept, and persisted, by its store). */
export type FeatureStore = Pick<Store, "memories" | "approvals">;

/** The feature rows of `platform`. */
export function featureStore(platform: Platform): FeatureStore {
  return platform.store;
}

/** Newest first: `created_at DESC`, ties broken by insertion order (newest first). */
export function newestFirst<T extends { createdAt: number; seq: number }>(a: T, b: T): number {
  return b.createdAt - a.createdAt || b.seq - a.seq;
}
