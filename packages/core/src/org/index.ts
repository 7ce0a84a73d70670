// Internal entry of org/: what a workspace shares with its organisation beyond messages (human
// approval waits, transcripts). The public API is src/public/org.ts.
export { AgentApprovals } from "./agent-approvals.js";
export { ApprovalEscalationWatcher } from "./escalations.js";
export type { ApprovalEscalation } from "./escalations.js";
export { ApprovalTimeoutError, ApprovalWaiter } from "./approvals.js";
export {
  ApprovalTooLongError,
  openScopedApproval,
  toolCallApproval,
  toolCallDigest,
} from "./approval-request.js";
export type { BoundApprovalRequest } from "./approval-request.js";
export type {
  ApprovalClient,
  ApprovalResult,
  ApprovalWaiterOptions,
  ApprovalWaitOptions,
} from "./approvals.js";
export { recordTurns } from "./transcript.js";
export { TranscriptLog } from "./transcript-log.js";
export { createTranscriptHandler } from "./transcript-route.js";
export { AgentTranscript } from "./transcript.js";
export type { PushTranscript, TranscriptHandlerOptions } from "./transcript-route.js";
export type { TranscriptLine } from "./transcript-log.js";
export { MemoryItemStore } from "./memory-items.js";
export type {
  MemoryItem,
  MemoryItemListing,
  MemoryItemOperation,
  MemoryItemSearch,
  MemoryStoreClient,
  MoleculeMemoryStoreOptions,
} from "./memory-items.js";
export { memoryToolSpecs } from "./memory-tool-specs.js";
export type { MemoryToolsOptions } from "./memory-tool-specs.js";
export { decisionOn, toolCallVerdict } from "./approval-decision.js";
export { ALREADY_RUN, PendingToolCalls } from "./pending-tool-calls.js";
export { durableToolCallVerdict } from "./durable-verdict.js";
export type { PendingToolCallBackend, PendingToolCallRecord } from "./pending-tool-calls.js";
