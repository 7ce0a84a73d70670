import type { ModelMessage } from "ai";

/**
 * Where {@link createPeerMessageHandler} keeps conversation history, keyed by conversation
 * (A2A `contextId`, else the peer). Implement it over Redis, a database or a file to survive
 * restarts; values must round-trip as JSON.
 */
export interface ConversationStore {
  /** The messages of a conversation, oldest first; undefined when there is none. */
  get(key: string): Promise<ModelMessage[] | undefined> | ModelMessage[] | undefined;
  /** Replaces a conversation's messages. */
  set(key: string, messages: ModelMessage[]): Promise<void> | void;
  /** Forgets a conversation (optional). */
  delete?(key: string): Promise<void> | void;
}

/** Options for {@link MemoryConversationStore}. */
export interface MemoryConversationStoreOptions {
  /** How many conversations to keep; the least recently used is dropped first (default 1000). */
  maxConversations?: number;
}

/** The default {@link ConversationStore}: in process memory, least recently used evicted first. */
export class MemoryConversationStore implements ConversationStore {
  readonly #conversations = new Map<string, ModelMessage[]>();
  readonly #max: number;

  constructor(options: MemoryConversationStoreOptions = {}) {
    const max = options.maxConversations ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError("MemoryConversationStore: maxConversations must be a positive integer.");
    }
    this.#max = max;
  }

  /** Number of conversations held. */
  get size(): number {
    return this.#conversations.size;
  }

  get(key: string): ModelMessage[] | undefined {
    const messages = this.#conversations.get(key);
    if (messages === undefined) return undefined;
    this.#conversations.delete(key);
    this.#conversations.set(key, messages);
    return [...messages];
  }

  set(key: string, messages: ModelMessage[]): void {
    this.#conversations.delete(key);
    this.#conversations.set(key, [...messages]);
    while (this.#conversations.size > this.#max) {
      const oldest = this.#conversations.keys().next().value as string;
      this.#conversations.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#conversations.delete(key);
  }
}
