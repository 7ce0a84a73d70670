// Internal entry of agent/: what other folders of core may import (docs/architecture.md). The
// public API is src/index.ts and src/public/*.ts.
export { RemoteAgent } from "./remote-agent.js";
export { pickDelivery } from "./pick-delivery.js";
export type {
  AgentDoneResult,
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
