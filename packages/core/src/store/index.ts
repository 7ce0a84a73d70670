// Internal entry of store/: the agent stores (memory, file; what a shared one implements), the
// state they persist through `AgentStateStore`, and the delivery limit's errors. The public API is
// src/index.ts and src/public/store.ts.
export { MemoryCursorStore, MoleculeStoreError } from "./cursor-store.js";
export { FileCursorStore } from "./file-cursor-store.js";
export type { FileCursorStoreOptions } from "./file-cursor-store.js";
export { FileTaskStore } from "./file-task-store.js";
export type { StoreErrorCode } from "./cursor-store.js";
export { fileStore, memoryStore } from "./store.js";
export type {
  AgentStore,
  LocalStore,
  PushClaim,
  PushClaimOptions,
  PushClaimResult,
  SharedPoll,
  SharedPollContext,
  SharedStore,
  FileStoreOptions,
  StoreOptions,
} from "./store.js";
export {
  MoleculeDeliveryLimitError,
  deliveryLimitRpcError,
  storeRpcError,
} from "./store-errors.js";
export type { DeliveryLimitInfo } from "./store-errors.js";
export { hasStore, maxDeliveriesOf, storeOf } from "./store-option.js";
export { AgentStateStore } from "./state-store.js";
export type { HeldLease } from "./held-lease.js";
export {
  FilePendingApprovals,
  MemoryPendingApprovals,
  PENDING_APPROVALS_KEPT,
} from "./pending-approvals.js";
export type { PendingApprovalRecord, PendingApprovalStore } from "./pending-approvals.js";
export { openDefaultStore } from "./default-store.js";
export type { DefaultStore, DefaultStoreOptions } from "./default-store.js";
export { DEFAULT_LEASE_BOUND_MS, takeStateLock } from "./state-lock.js";
export type { StateLock, StateLockOptions } from "./state-lock.js";
