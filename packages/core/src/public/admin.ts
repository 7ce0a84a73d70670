// Public API of @molecule-ai/agent-core/admin: provisioning with the platform's admin token
// (create external workspaces, set secrets, delete, issue tokens). Agents never need it.
export { AdminClient } from "../platform/index.js";
export type {
  AdminClientOptions,
  CreatedWorkspace,
  CreateExternalWorkspaceInput,
  SetSecretsFailure,
} from "../platform/index.js";
