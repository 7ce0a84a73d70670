// Public API of @molecule-ai/agent-core/admin: provisioning with the platform's admin token
// (create external workspaces, rotate their credentials, restart, pause and resume, set secrets, delete, issue
// tokens), and the result types of the client's token management (`createToken`, `listTokens`,
// `rotateToken`) and queue status (`getQueuedCall`).
export { AdminClient } from "../platform/index.js";
export type {
  AdminClientOptions,
  CompletedSecret,
  CreatedWorkspace,
  DescendantsError,
  LifecycleFailedError,
  LifecycleFailure,
  NamedWorkspace,
  PauseResult,
  ResumeResult,
  CreateExternalWorkspaceInput,
  ExternalConnection,
  PendingApproval,
  PendingSecret,
  RestartResult,
  SetSecretsFailure,
  SetSecretsResult,
} from "../platform/index.js";
export type { IssuedToken, RotateTokenResult, TokenInfo } from "../platform/index.js";
export type { QueuedCall, QueuedCallStatus } from "../platform/index.js";
export type { ApprovalDecision } from "../platform/index.js";
