export { makeIdempotencyKey } from "./idempotency.js";
export { AdminClient } from "./admin.js";
export type {
  AdminClientOptions,
  CreatedWorkspace,
  CreateExternalWorkspaceInput,
  PendingApproval,
} from "./admin.js";
export type {
  CompletedSecret,
  PendingSecret,
  SetSecretsFailure,
  SetSecretsResult,
} from "./admin-secrets.js";
export type {
  DescendantsError,
  LifecycleFailedError,
  LifecycleFailure,
  NamedWorkspace,
  PauseResult,
  ResumeResult,
} from "./admin-lifecycle.js";
export type { ExternalConnection, RestartResult } from "./external.js";
export type { QueuedCall, QueuedCallStatus } from "./queue-status.js";
export { PlatformClient } from "./client.js";
export { ChatFiles } from "./chat-files.js";
export {
  contentDisposition,
  FILE_READ_SUFFIX,
  fileTooLarge,
  INGEST_SUFFIX,
  MAX_FILE_BYTES,
  MAX_UPLOAD_BYTES,
  MAX_UPLOAD_FILES,
  safeMediaType,
  sanitizeFileName,
} from "./chat-file-rules.js";
export type {
  NotifyOptions,
  OutboundFile,
  PendingUploadContent,
  UploadLimits,
} from "./chat-files.js";
export { CursorLostError, WorkspaceRemovedError } from "./errors.js";
export type { ActivityRows, FetchInboundOptions } from "./activity.js";
export type { ReplyTarget } from "./messaging.js";
export type { DiscoveredPeer, Peer, PeerCallOptions, PeerCallResult } from "./peer-types.js";
export type { PeerCallMessage } from "./peer-call.js";
export { PeerTasks } from "./peer-tasks.js";
export type {
  PeerTaskCallOptions,
  PeerTaskMessageOptions,
  PeerTaskPage,
  PeerTasksOptions,
} from "./peer-tasks.js";
export type {
  ActivityReport,
  DelegationResult,
  EventStream,
  HeartbeatReport,
  IssuedToken,
  NotifyAttachment,
  PlatformCapabilities,
  PlatformClientOptions,
  RegisterResult,
  DelegationStatus,
  RotateTokenResult,
  TokenInfo,
  WorkspaceInfo,
  WorkspaceState,
  WorkspaceStatus,
} from "./types.js";
export { FileTokenStore, MemoryTokenStore } from "./token-store.js";
export type { FileTokenStoreOptions, TokenStore } from "./token-store.js";
export { readMoleculeEnv } from "./env.js";
export type { MoleculeEnv } from "./env.js";
export { AGENT_HOOKS, type AgentHooks } from "./agent-hooks.js";
export { describeStartError } from "./start-error.js";
export type { DescribeStartErrorOptions } from "./start-error.js";
export type {
  ApprovalDecision,
  ApprovalRecord,
  ApprovalRequestInput,
  PendingToolCallRecord,
} from "./approvals.js";
export { approvalBody, MAX_APPROVAL_ACTION_CHARS, MAX_APPROVAL_REASON_CHARS } from "./approvals.js";
export type { CommitMemoryInput, Memory, MemoryScope, SearchMemoriesOptions } from "./memories.js";
export {
  formatMemories,
  MAX_MEMORY_BYTES,
  MAX_MEMORY_ROWS,
  MAX_NAMESPACE_BYTES,
  MEMORY_STORE_MARK,
  memoryText,
  redactMemorySecrets,
} from "./memories.js";
export type { SessionHit, TranscriptPage } from "./session-views.js";
export { MAX_AGENT_CARD_BYTES } from "./card-size.js";
export { AgentCardSync, skillsFromTools } from "./card-sync.js";
export type { CardUpdater, CardUpdateOptions, DescribedTool } from "./card-sync.js";
export type {
  DelegationRecord,
  DelegationRecordInput,
  DelegationUpdate,
} from "./delegation-records.js";
export {
  MEMORY_TOOL_DESCRIPTIONS,
  recallForTool,
  recallOutcome,
  rememberForTool,
  rememberOutcome,
} from "./memory-tools.js";
export type { MemoryToolClient, MemoryToolOutcome } from "./memory-tools.js";
export { EVENT_IDLE_TIMEOUT_MS, EventWakeups, isInboundActivityEvent } from "./event-wakeups.js";
export { EVENT_LINE_MAX_BYTES, EventStreamFeed, SseLongLines } from "./event-stream-feed.js";
export type {
  AnnouncedRow,
  EventStreamBody,
  EventWakeupsOptions,
  OwnHeartbeats,
} from "./event-wakeups.js";
export { peerFailedError } from "./peer-result.js";
export { forgetSharedProbes } from "./capabilities.js";
