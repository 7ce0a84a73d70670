// Public API of agent/ (see shared/DESIGN.md section 3).
export { RemoteAgent } from "./remote-agent.js";
export type {
  AgentDeliveryMode,
  AgentDoneResult,
  AgentEndReason,
  AgentHeartbeatReport,
  AgentPlatformClient,
  HandlerContext,
  InboundHandler,
  PushDeliveryOptions,
  PushHandlerOptions,
  RemoteAgentOptions,
} from "./types.js";
