// Internal entry of wire/ (see docs/architecture.md): the schemas for platform/, the inferred
// types for everyone. The public `/wire` subpath (src/public/wire.ts) exports the types only.
export type {
  WireActivityRow,
  WireCreateWorkspaceResponse,
  WireDelegateResponse,
  WireDiscoverResponse,
  WireExternalConnection,
  WireJsonRpcResponse,
  WirePeer,
  WireRegisterResponse,
  WireStateResponse,
  WireTokenList,
  WireWorkspace,
} from "./schemas.js";
// Internal: used by other folders of core, not public API (see src/index.ts).
export {
  activityListSchema,
  activityRowSchema,
  chatUploadsSchema,
  createTokenSchema,
  createWorkspaceSchema,
  delegateSchema,
  discoverSchema,
  externalConnectionSchema,
  jsonRpcResponseSchema,
  parseWire,
  peersSchema,
  pollQueuedSchema,
  queuedSchema,
  queueStatusSchema,
  registerResponseSchema,
  restartSchema,
  secretsSchema,
  stateResponseSchema,
  tokenListSchema,
  workspaceSchema,
} from "./schemas.js";
export type { WireApprovalRow, WireMemoryRow } from "./features.js";
export {
  approvalCreateSchema,
  approvalDecisionSchema,
  approvalListSchema,
  delegationListSchema,
  delegationRecordSchema,
  memoryCommitSchema,
  memoryListSchema,
  memoryV2ListSchema,
  memoryNamespacesSchema,
  pendingApprovalListSchema,
  sessionHitListSchema,
} from "./features.js";
