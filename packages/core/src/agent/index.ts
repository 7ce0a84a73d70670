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
export type { AgentCallOptions, PeerMessage, TurnLimitOptions } from "./types.js";
export { MoleculeReplyError } from "./answer/dead-letters.js";
export { MoleculeReplyTimeoutError } from "./route/call-peer.js";
export type { QueuedReceipt } from "./route/call-peer.js";
export { MoleculeTurnLimitError } from "./route/turn-limit.js";
export { peerClientOf } from "./remote-agent.js";
export { addStartCheck } from "./lifecycle/start-checks.js";
export { askForInput } from "../inbound/index.js";
