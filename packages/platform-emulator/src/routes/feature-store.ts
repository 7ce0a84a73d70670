// Rows of the workspace-feature routes (memories, approvals) the emulator keeps beside its core
// store, one set per Platform (shared/reference/platform-api-workspace-features.md §1-§2).
import type { Platform } from "../platform.js";

/** An `agent_memories` row (content as stored: redacted, GLOBAL-escaped). */
export interface MemoryRow {
  seq: number;
  id: string;
  workspaceId: string;
  content: string;
  scope: "LOCAL" | "TEAM" | "GLOBAL";
  namespace: string;
  createdAt: number;
}

/** An `approval_requests` row. */
export interface ApprovalRow {
  seq: number;
  id: string;
  workspaceId: string;
  taskId: string;
  action: string;
  reason: string;
  context: unknown;
  status: "pending" | "approved" | "denied";
  decidedBy: string | null;
  decidedAt: number | null;
  createdAt: number;
}

/** The feature rows of one emulated platform. */
export interface FeatureStore {
  memories: MemoryRow[];
  approvals: ApprovalRow[];
}

const stores = new WeakMap<Platform, FeatureStore>();

/** The feature rows of `platform` (created empty on first use). */
export function featureStore(platform: Platform): FeatureStore {
  let s = stores.get(platform);
  if (s === undefined) {
    s = { memories: [], approvals: [] };
    stores.set(platform, s);
  }
  return s;
}

/** Newest first: `created_at DESC`, ties broken by insertion order (newest first). */
export function newestFirst<T extends { createdAt: number; seq: number }>(a: T, b: T): number {
  return b.createdAt - a.createdAt || b.seq - a.seq;
}
