// Internal entry of agent/: what other folders of core may import (docs/architecture.md). The
// public API is src/index.ts and src/public/*.ts.
export { HeartbeatLateWarning } from "./liveness.js";
export { EventWakeupsUnavailableWarning } from "./wakeup-warning.js";
export { RemoteAgent } from "./remote-agent.js";
export { stderrLogger } from "./default-logger.js";
export type { LogLevel } from "./default-logger.js";
export type { AgentEvent, AgentEventListener, AgentEventMap, AgentEventName } from "./events.js";
export { fileStore, memoryStore } from "./store.js";
export { MoleculeDeliveryLimitError } from "./store-errors.js";
export type { DeliveryLimitInfo } from "./store-errors.js";
export type {
  AgentStore,
  LocalStore,
  StoreOptions,
  PushClaim,
  PushClaimResult,
  SharedPoll,
  SharedPollContext,
  SharedStore,
} from "./store.js";
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
export type { AgentCallOptions, PeerMessage } from "./call-peer.js";
export type { TurnLimitOptions } from "./conversations.js";
export { MoleculeReplyError, MoleculeReplyTimeoutError, MoleculeTurnLimitError } from "./errors.js";
export type { QueuedReceipt } from "./errors.js";
export { peerClientOf } from "./peer-client.js";
export { ApprovalEscalationWatcher, ApprovalTimeoutError, ApprovalWaiter } from "./approvals.js";
export type {
  ApprovalClient,
  ApprovalEscalation,
  ApprovalResult,
  ApprovalWaiterOptions,
  ApprovalWaitOptions,
} from "./approvals.js";
export { createTranscriptHandler, TranscriptLog } from "./transcript.js";
export type { TranscriptHandlerOptions, TranscriptLine } from "./transcript.js";
