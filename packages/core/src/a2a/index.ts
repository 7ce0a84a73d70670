export type {
  A2AAgentSkill,
  A2AArtifact,
  A2ADataPart,
  A2AFilePart,
  A2AMessage,
  A2APart,
  A2ATask,
  A2ATaskState,
  A2ATextPart,
  AgentCard,
} from "./types.js";
export * from "./server/index.js";
export {
  buildAgentCard,
  type A2AAgentInterface,
  type BuildAgentCardOptions,
  type HybridAgentCard,
} from "./card.js";
export { neutralizePeerMarkers, sanitizePeerText, stripA2ABoundary } from "./boundary.js";
export {
  buildMessageSendRequest,
  extractA2AText,
  normalizePart,
  normalizeParts,
  summarizeA2AResult,
} from "./outbound.js";
export type {
  A2AProtocolVersion,
  A2AResultSummary,
  MessageSendRequest,
  OutboundMessageInput,
  PeerOutcome,
} from "./outbound.js";
export { IN_REPLY_TO_KEY, SOURCE_WORKSPACE_KEY, isAgentRole } from "./conversation.js";
