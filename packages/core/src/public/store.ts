// Public API of @molecule-ai/agent-core/store: what a store implements. A store holds an agent's
// cursor, de-duplication, reply outbox and task state (\`RemoteAgent\`'s \`store\` option); pick one
// with \`memoryStore()\` / \`fileStore()\` from the root, or \`@molecule-ai/postgres\` for replicas.
// These types are for writing your own; `MoleculeDeliveryLimitError` is what every store's delivery
// limit (`maxDeliveries`) dead-letters with.
export { MoleculeDeliveryLimitError, MoleculeStoreError } from "../store/index.js";
export { boundedKey, SettleWindow } from "../inbound/index.js";
export { DEFAULT_LEASE_BOUND_MS, takeStateLock } from "../store/index.js";
export type { StateLock, StateLockOptions } from "../store/index.js";
export type {
  AgentStore,
  DeliveryLimitInfo,
  FileCursorStoreOptions,
  FileStoreOptions,
  LocalStore,
  StoreOptions,
  PushClaim,
  PushClaimOptions,
  PushClaimResult,
  SharedPoll,
  SharedPollContext,
  SharedStore,
} from "../store/index.js";
export type {
  A2ATaskStore,
  AnswerFailure,
  AnswerTask,
  TaskCancelResult,
  TaskListPage,
  TaskListQuery,
  TaskPushConfig,
  TaskWatch,
} from "../a2a/index.js";
export type {
  CursorState,
  DeadLetterRecord,
  InboundPage,
  InFlightEntry,
  OutboxRecord,
  PlatformPushRecord,
  PushDeliveryEntry,
  RowPosition,
  RowRead,
} from "../inbound/index.js";
export type { StoreErrorCode } from "../store/index.js";
