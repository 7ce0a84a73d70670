// Public API of @molecule-ai/agent-core/org: what a workspace shares with its organisation beyond
// messages: org memory (`PlatformClient.commitMemory` / `searchMemories`), human approvals
// (`RemoteAgent.requestApproval`, `ApprovalWaiter`, a parent's `ApprovalEscalationWatcher`), and
// the session views the canvas shows (session search, traces, transcripts).
export { ApprovalEscalationWatcher, ApprovalTimeoutError, ApprovalWaiter } from "../org/index.js";
export {
  ApprovalTooLongError,
  openScopedApproval,
  toolCallApproval,
  toolCallDigest,
} from "../org/index.js";
export { MAX_APPROVAL_ACTION_CHARS, MAX_APPROVAL_REASON_CHARS } from "../platform/index.js";
export { ALREADY_RUN, durableToolCallVerdict, PendingToolCalls } from "../org/index.js";
export type { PendingToolCallBackend, PendingToolCallRecord } from "../org/index.js";
export { PENDING_APPROVALS_KEPT } from "../store/index.js";
export type { PendingApprovalRecord, PendingApprovalStore } from "../store/index.js";
export type {
  BoundApprovalRequest,
  ApprovalClient,
  ApprovalEscalation,
  ApprovalResult,
  ApprovalWaiterOptions,
  ApprovalWaitOptions,
} from "../org/index.js";
export {
  formatMemories,
  MAX_AGENT_CARD_BYTES,
  MAX_MEMORY_BYTES,
  MAX_MEMORY_ROWS,
  MAX_NAMESPACE_BYTES,
  MEMORY_STORE_MARK,
  memoryText,
  redactMemorySecrets,
} from "../platform/index.js";
export type {
  ActivityReport,
  ApprovalDecision,
  ApprovalRecord,
  ApprovalRequestInput,
  CommitMemoryInput,
  Memory,
  MemoryScope,
  SearchMemoriesOptions,
  SessionHit,
  TranscriptPage,
} from "../platform/index.js";
export { createTranscriptHandler, TranscriptLog } from "../org/index.js";
export type { TranscriptHandlerOptions, TranscriptLine } from "../org/index.js";
export { AgentCardSync, skillsFromTools } from "../platform/index.js";
export type { CardUpdater, CardUpdateOptions, DescribedTool } from "../platform/index.js";
export type {
  DelegationRecord,
  DelegationRecordInput,
  DelegationUpdate,
} from "../platform/index.js";
export type { WireMemoryRow } from "../wire/index.js";
export {
  MEMORY_TOOL_DESCRIPTIONS,
  recallForTool,
  recallOutcome,
  rememberForTool,
  rememberOutcome,
} from "../platform/index.js";
export type { MemoryToolClient, MemoryToolOutcome } from "../platform/index.js";
export { MemoryItemStore, memoryToolSpecs } from "../org/index.js";
export type {
  MemoryItem,
  MemoryItemListing,
  MemoryItemOperation,
  MemoryItemSearch,
  MemoryStoreClient,
  MemoryToolsOptions,
  MoleculeMemoryStoreOptions,
} from "../org/index.js";
export { decisionOn, toolCallVerdict } from "../org/index.js";
