// Public API of @molecule-ai/agent-core (the root entry): what an agent author needs to connect a
// workspace, handle inbound messages and call peers. Everything else lives on a subpath:
// `/a2a` (A2A server and message helpers), `/admin` (workspace provisioning), `/plugins` (plugin
// install pipeline), `/store` (what a custom store implements) and `/wire` (platform payload
// types). Folder `index.ts` files are internal
// entries between layers, not public API: every public name is listed here or in `src/public/`.
// Keep this list at 80 names or fewer (checked by `scripts/check-api.mjs`).

// Errors (one model: `MoleculeError` with `code` and `retryable`).
export {
  isMoleculeError,
  MoleculeAuthError,
  MoleculeError,
  MoleculeOptionError,
  MoleculeNotFoundError,
  MoleculePeerError,
  MoleculeRateLimitError,
  MoleculeTimeoutError,
  UnexpectedResponseError,
} from "./transport/index.js";
export { CursorLostError, WorkspaceRemovedError } from "./platform/index.js";
export type { Logger, MoleculeErrorOptions } from "./transport/index.js";

// The platform client.
export { PlatformClient, makeIdempotencyKey, readMoleculeEnv } from "./platform/index.js";
export { FileTokenStore, MemoryTokenStore } from "./platform/index.js";
export type {
  DelegationResult,
  DiscoveredPeer,
  FetchInboundOptions,
  FileTokenStoreOptions,
  HeartbeatReport,
  MoleculeEnv,
  NotifyAttachment,
  Peer,
  PeerCallOptions,
  PeerCallResult,
  PlatformCapabilities,
  PlatformClientOptions,
  RegisterResult,
  ReplyTarget,
  TokenStore,
  WorkspaceInfo,
  WorkspaceState,
} from "./platform/index.js";

// Inbound messages and their cursor.
export { fetchActivity, fetchInbound, InboundGapWarning } from "./inbound/index.js";
export type {
  ActivityPage,
  ActivityReader,
  Backfill,
  CursorStore,
  InboundGapReason,
  InboundMessage,
  InboundSource,
} from "./inbound/index.js";
export { FileCursorStore, fileStore, MemoryCursorStore, memoryStore } from "./store/index.js";
export type { AgentStore } from "./store/index.js";

// The agent runtime, its events and logger.
export {
  MoleculeReplyError,
  MoleculeReplyTimeoutError,
  MoleculeTurnLimitError,
  peerClientOf,
  pickDelivery,
  RemoteAgent,
} from "./agent/index.js";
export type {
  AgentCallOptions,
  AgentDoneResult,
  AgentPlatformClient,
  HandlerContext,
  InboundHandler,
  PeerMessage,
  PushDeliveryOptions,
  QueuedReceipt,
  RemoteAgentOptions,
  TurnLimitOptions,
} from "./agent/index.js";
export {
  EventWakeupsUnavailableWarning,
  HeartbeatLateWarning,
  stderrLogger,
} from "./events/index.js";
export type {
  AgentDeliveryMode,
  AgentEndReason,
  AgentEvent,
  AgentEventListener,
  AgentEventMap,
  AgentEventName,
  LogLevel,
} from "./events/index.js";

// What every agent shares with A2A: its card, the push path secret, untrusted peer text.
export { generatePathSecret, sanitizePeerText, stripA2ABoundary } from "./a2a/index.js";
export type { AgentCard } from "./a2a/index.js";
