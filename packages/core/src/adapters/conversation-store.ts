// Where an adapter keeps a conversation's history: an interface, and the in-memory default.
import { MoleculeOptionError } from "../transport/index.js";

/**
 * Conversation history by key (the authenticated sender and its A2A `contextId`: see
 * `conversationKey`). Implement it over Redis, a database or a file to survive restarts; values
 * must round-trip as JSON.
 */
export interface ConversationStore<T = unknown> {
  /** The messages of a conversation, oldest first; undefined when there is none. */
  get(key: string): Promise<T[] | undefined> | T[] | undefined;
  /** Replaces a conversation's messages. */
  set(key: string, messages: T[]): Promise<void> | void;
  /** Forgets a conversation (optional). */
  delete?(key: string): Promise<void> | void;
}

/** Options of {@link MemoryConversationStore}. */
export interface MemoryConversationStoreOptions {
  /** How many conversations to keep; the least recently used is dropped first (default 1000). */
  maxConversations?: number;
}

/** The default {@link ConversationStore}: in process memory, least recently used evicted first. */
export class MemoryConversationStore<T = unknown> implements ConversationStore<T> {
  readonly #conversations = new Map<string, T[]>();
  readonly #max: number;

  constructor(options: MemoryConversationStoreOptions = {}) {
    const max = options.maxConversations ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new MoleculeOptionError(
        "maxConversations",
        "MemoryConversationStore: maxConversations must be a positive integer (or left out: 1000).",
      );
    }
    this.#max = max;
  }

  /** Number of conversations held. */
  get size(): number {
    return this.#conversations.size;
  }

  get(key: string): T[] | undefined {
    const messages = this.#conversations.get(key);
    if (messages === undefined) return undefined;
    this.#conversations.delete(key);
    this.#conversations.set(key, messages);
    return [...messages];
  }

  set(key: string, messages: T[]): void {
    this.#conversations.delete(key);
    this.#conversations.set(key, [...messages]);
    while (this.#conversations.size > this.#max) {
      this.#conversations.delete(this.#conversations.keys().next().value as string);
    }
  }

  delete(key: string): void {
    this.#conversations.delete(key);
  }
}
