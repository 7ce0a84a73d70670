// Public API of @molecule-ai/agent-core/admin: provisioning with the platform's admin token
// (create external workspaces, set secrets, delete, issue tokens), and the result types of the
// client's token management (`createToken`, `listTokens`, `rotateToken`).
export { AdminClient } from "../platform/index.js";
export type {
  AdminClientOptions,
  CreatedWorkspace,
  CreateExternalWorkspaceInput,
  PendingApproval,
  SetSecretsFailure,
} from "../platform/index.js";
export type { IssuedToken, RotateTokenResult, TokenInfo } from "../platform/index.js";
export type { ApprovalDecision } from "../platform/index.js";
