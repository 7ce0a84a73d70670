// @molecule-ai/agent-core/adapters: framework-neutral building blocks of the inbound side of the
// framework adapters (and of your own): an A2A endpoint for a message handler, per-conversation
// ordering, conversation history.
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
