export type {
  A2AAgentExtension,
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
export { A2A_ERROR_MAPPINGS, type A2AErrorMapping, type GrpcStatusName } from "./error-mappings.js";
export {
  buildAgentCard,
  type A2AAgentInterface,
  type BuildAgentCardOptions,
  type HybridAgentCard,
} from "./card.js";
export { buildV1AgentCard, type V1AgentCard } from "./card-v1.js";
export { neutralizePeerMarkers, sanitizePeerText, stripA2ABoundary } from "./boundary.js";
export { verifyAgentCard } from "./card-signature.js";
export type {
  AgentCardSignature,
  CardKeyResolver,
  CardSignatureAlgorithm,
  CardSigningOptions,
  VerifiedAgentCard,
  VerifiedCardSignature,
} from "./card-signature.js";
export {
  spotlightPeerText,
  unicodeEscape,
  UNTRUSTED_LINE_MARK,
  visiblePeerText,
} from "./spotlight.js";
export {
  buildMessageSendRequest,
  extractA2AText,
  normalizePart,
  normalizeParts,
  isA2AAnswer,
  summarizeA2AResult,
} from "./outbound.js";
export type { A2AProtocolVersion, MessageSendRequest, OutboundMessageInput } from "./outbound.js";
export {
  FAILURE_KEY,
  IN_REPLY_TO_KEY,
  isAnswerFailure,
  SOURCE_WORKSPACE_KEY,
  TASK_ERROR_KEY,
  TASK_ID_KEY,
  TASK_STATE_KEY,
  isAgentRole,
} from "./conversation.js";
export type { AnswerFailure, AnswerTask } from "./conversation.js";
export type { A2AStreamEvent } from "./from-v1.js";
export type { PeerTaskQuery } from "./peer-wire.js";
// Internal: the client side of a peer's tasks (platform/peer-tasks.ts).
export { messageFromV1, taskFromV1 } from "./from-v1.js";
export {
  peerInterfaceOf,
  peerRequest,
  peerResultOf,
  peerTaskOf,
  peerWireError,
} from "./peer-wire.js";
export type { PeerBinding, PeerOp } from "./peer-wire.js";
export { peerStreamLimits } from "./sse.js";
export { resumingPeerEvents } from "./peer-stream-resume.js";
export type { PeerStreamLimits } from "./sse.js";
// Internal: used by other folders of core, not public API (see src/index.ts).
export {
  A2A_VERSION_HEADER,
  peerProtocolFromCard,
  textOfParts,
  toSendMessageRequestV1,
} from "./outbound.js";
export { derivePathSecret } from "./server/index.js";
// Internal: used by other folders of core, not public API (see src/index.ts).
export { createA2AHandler, endpointPathOf, requestOnConnection } from "./server/index.js";
// Internal: the A2A server loaded on first use (a push agent's; core's root does not load it).
export { loadPushServer } from "./load-push-server.js";
export type { A2AHandler, A2AHandlerOptions } from "./server/index.js";
// Bounds on sender-chosen ids and sizes (docs/security.md, "Bounds"); `isBoundedId` is internal.
export { MAX_HISTORY_LENGTH, MAX_ID_LENGTH, isBoundedId } from "./limits.js";
// Any A2A agent by URL, as a client (`@molecule-ai/agent-core/a2a`).
export { RemoteA2AAgent } from "./remote/index.js";
export type {
  A2AGrpcAnswer,
  A2AGrpcCall,
  A2AGrpcMethod,
  A2AGrpcTransport,
  RemoteA2AAgentOptions,
  RemoteA2AMessage,
  RemoteA2AResult,
  RemoteA2ASendOptions,
} from "./remote/index.js";
