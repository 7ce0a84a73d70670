export { makeIdempotencyKey } from "./idempotency.js";
export { AdminClient } from "./admin.js";
export type {
  AdminClientOptions,
  CreatedWorkspace,
  CreateExternalWorkspaceInput,
  SetSecretsFailure,
} from "./admin.js";
export { PlatformClient } from "./client.js";
export type {
  ActivityPage,
  DelegationResult,
  DiscoveredPeer,
  EventStream,
  FetchInboundOptions,
  HeartbeatReport,
  IssuedToken,
  NotifyAttachment,
  Peer,
  PeerCallOptions,
  PeerCallResult,
  PlatformCapabilities,
  PlatformClientOptions,
  RegisterResult,
  RotateTokenResult,
  TokenInfo,
  WorkspaceInfo,
  WorkspaceState,
} from "./client.js";
export { FileTokenStore, MemoryTokenStore } from "./token-store.js";
export type { FileTokenStoreOptions, TokenStore } from "./token-store.js";
export { readMoleculeEnv } from "./env.js";
export type { MoleculeEnv } from "./env.js";
