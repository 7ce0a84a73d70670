// Public API of @molecule-ai/agent-core/a2a: the A2A JSON-RPC server (node and web-fetch
// handlers, a standalone server), agent cards, outbound message building and result parsing for
// code that speaks A2A without the platform client. `AgentCard` itself is a root export.
export {
  A2AErrorCode,
  A2ARpcError,
  buildAgentCard,
  buildMessageSendRequest,
  createA2AHandler,
  derivePathSecret,
  extractA2AText,
  IN_REPLY_TO_KEY,
  inputRequired,
  isAgentRole,
  neutralizePeerMarkers,
  normalizePart,
  normalizeParts,
  MAX_HISTORY_LENGTH,
  raiseKeepAliveTimeout,
  MAX_ID_LENGTH,
  SOURCE_WORKSPACE_KEY,
  spotlightPeerText,
  startA2AServer,
  TASK_ERROR_KEY,
  TASK_ID_KEY,
  TASK_STATE_KEY,
  verifyAgentCard,
  FAILURE_KEY,
  UNTRUSTED_LINE_MARK,
  visiblePeerText,
} from "../a2a/index.js";
export type {
  AgentCardSignature,
  AnswerFailure,
  AnswerTask,
  A2AAgentExtension,
  A2AAgentInterface,
  A2AAgentSkill,
  A2AArtifact,
  A2ADataPart,
  A2AErrorCodeValue,
  A2AFilePart,
  A2AHandler,
  A2AHandlerContext,
  A2AHandlerOptions,
  A2AHandlerResult,
  A2AMessage,
  A2APart,
  A2AProtocolVersion,
  A2AServer,
  A2ATask,
  A2ATaskState,
  A2ATextPart,
  BuildAgentCardOptions,
  CardKeyResolver,
  CardSignatureAlgorithm,
  CardSigningOptions,
  ExtendedAgentCardOptions,
  HybridAgentCard,
  MessageSendRequest,
  OutboundMessageInput,
  PushClaim,
  PushClaimOptions,
  PushClaimResult,
  PushClaimStore,
  PushNotificationOptions,
  StartA2AServerOptions,
  VerifiedAgentCard,
  VerifiedCardSignature,
  WebhookAddressKind,
  WebhookAddressPolicy,
} from "../a2a/index.js";
export type { A2AStreamEvent, PeerStreamLimits, PeerTaskQuery } from "../a2a/index.js";
export { PEER_STREAM_LIMITS } from "../a2a/index.js";
// A peer's tasks from the caller's side (`PlatformClient.peerTasks`).
export type {
  PeerCallMessage,
  PeerTaskCallOptions,
  PeerTaskMessageOptions,
  PeerTaskPage,
  PeerTasks,
  PeerTasksOptions,
} from "../platform/index.js";
export { inboundFromA2AMessage } from "../inbound/index.js";
export type { PushHandlerOptions } from "../agent/index.js";
// Tracing where `@opentelemetry/api` cannot be looked up (the edge build: workerd, Next's edge
// runtime): the application hands the SDK the API module.
export { useOpenTelemetry } from "../observability/use-otel.js";
