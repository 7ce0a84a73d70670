// Internal entry of agent/: what other folders of core may import (docs/architecture.md). The
// public API is src/index.ts and src/public/*.ts.
export { HeartbeatLateWarning } from "./lifecycle/liveness.js";
export { EventWakeupsUnavailableWarning } from "./lifecycle/wakeup-warning.js";
export { RemoteAgent } from "./remote-agent.js";
export { stderrLogger } from "./observe/default-logger.js";
export type { LogLevel } from "./observe/default-logger.js";
export type {
  AgentEvent,
  AgentEventListener,
  AgentEventMap,
  AgentEventName,
} from "./observe/events.js";
export { fileStore, memoryStore } from "./store/store.js";
export { MoleculeDeliveryLimitError } from "./store/store-errors.js";
export type { DeliveryLimitInfo } from "./store/store-errors.js";
export type {
  AgentStore,
  LocalStore,
  StoreOptions,
  PushClaim,
  PushClaimOptions,
  PushClaimResult,
  SharedPoll,
  SharedPollContext,
  SharedStore,
} from "./store/store.js";
export { pickDelivery } from "./pick-delivery.js";
export type {
  AgentDeliveryMode,
  AgentDoneResult,
  AgentEndReason,
  AgentPlatformClient,
  HandlerContext,
  InboundHandler,
  PushDeliveryOptions,
  PushHandlerOptions,
  RemoteAgentOptions,
} from "./types.js";
export type { AgentCallOptions, PeerMessage } from "./route/call-peer.js";
export type { TurnLimitOptions } from "./route/conversations.js";
export { MoleculeReplyError, MoleculeReplyTimeoutError, MoleculeTurnLimitError } from "./errors.js";
export type { QueuedReceipt } from "./errors.js";
export { peerClientOf } from "./remote-agent.js";
export { askForInput } from "./answer/input-request.js";
export {
  ApprovalEscalationWatcher,
  ApprovalTimeoutError,
  ApprovalWaiter,
} from "./org/approvals.js";
export type {
  ApprovalClient,
  ApprovalEscalation,
  ApprovalResult,
  ApprovalWaiterOptions,
  ApprovalWaitOptions,
} from "./org/approvals.js";
export { createTranscriptHandler, TranscriptLog } from "./org/transcript.js";
export type { TranscriptHandlerOptions, TranscriptLine } from "./org/transcript.js";
