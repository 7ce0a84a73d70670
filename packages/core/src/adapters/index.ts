// @molecule-ai/agent-core/adapters: framework-neutral building blocks of the inbound side of the
// framework adapters (and of your own): an A2A endpoint for a message handler (also as one web
// request handler), per-conversation ordering, conversation history and a handler that keeps it.
export { createMessageEndpoint } from "./message-endpoint.js";
export type {
  MessageEndpointAnswer,
  MessageEndpointContext,
  MessageEndpointHandler,
  MessageEndpointOptions,
} from "./message-endpoint.js";
export { KeyedQueue } from "./keyed-queue.js";
export { MemoryConversationStore } from "./conversation-store.js";
export type { ConversationStore, MemoryConversationStoreOptions } from "./conversation-store.js";
export {
  createConversationHandler,
  defaultConversationKey,
  trimHistory,
} from "./conversation-handler.js";
export type {
  ConversationAnswer,
  ConversationContext,
  ConversationHandler,
  ConversationHandlerOptions,
  ConversationHistoryOptions,
  ConversationRun,
  ConversationTurn,
} from "./conversation-handler.js";
export { createPeerRequestHandler } from "./peer-request-handler.js";
export type {
  PeerRequestClient,
  PeerRequestContext,
  PeerRequestHandler,
  PeerRequestHandlerOptions,
  PeerRequestMessageHandler,
} from "./peer-request-handler.js";
export { conversationKey } from "./conversation-key.js";
export type { ConversationKeyStrategy } from "./conversation-key.js";
export { createTurnHandler } from "./turn-handler.js";
export type { Turn, TurnContext, TurnHandler } from "./turn-handler.js";
