// A message handler that keeps conversation history: per conversation one turn at a time, the
// history loaded before and saved after each answer, whole or streamed.
import type { RemoteAgentOptions } from "../agent/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { MoleculeError, MoleculeOptionError } from "../transport/index.js";
import { conversationKey } from "./conversation-key.js";
import { MemoryConversationStore } from "./conversation-store.js";
import type { ConversationStore } from "./conversation-store.js";
import { KeyedQueue } from "./keyed-queue.js";

/**
 * What a {@link ConversationRun} answers with: plain text; `{ text, responseMessages }` (an AI SDK
 * `generateText` result fits); or `{ textStream, responseMessages }` (a `streamText` result fits).
 * `responseMessages` are what the turn adds to the history; default: one assistant message.
 */
export type ConversationAnswer<T> =
  | string
  | { text: string; responseMessages?: T[] | undefined }
  | { textStream: AsyncIterable<string>; responseMessages?: PromiseLike<T[]> | undefined };

/** One turn, as a {@link ConversationRun} receives it. */
export interface ConversationTurn<T> {
  /** The history plus the new message as the last one. */
  messages: T[];
  /** The inbound message being answered. */
  message: InboundMessage;
  /** Aborts when the caller goes away or the agent stops. */
  signal: AbortSignal | undefined;
  /** True when the caller streams: answering with a `textStream` sends text as it comes. */
  stream: boolean;
}

/** Runs the model for one turn. */
export type ConversationRun<T> = (
  turn: ConversationTurn<T>,
) => ConversationAnswer<T> | PromiseLike<ConversationAnswer<T>>;

/** Context a {@link ConversationHandler} accepts (a `RemoteAgent` `HandlerContext` fits). */
export interface ConversationContext {
  signal?: AbortSignal;
}

/**
 * Answers inbound messages: call it (a `RemoteAgent` handler) for the whole answer, or
 * `.stream()` for the answer's text as it is generated.
 */
export interface ConversationHandler {
  (message: InboundMessage, context?: ConversationContext): Promise<string>;
  /** Streams the answer's text; history is saved once the stream completes. */
  stream(message: InboundMessage, context?: ConversationContext): AsyncIterable<string>;
  /**
   * Set by an adapter's `onApprovalEscalated` option: a `RemoteAgent` given this handler calls it
   * on each `approvalEscalated` event (and so reads its event stream for escalations).
   */
  onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"];
  /**
   * Set by an adapter that can tell at start whether its model can run (e.g. it has a key): a
   * `RemoteAgent` given this handler awaits it before any platform call, and a rejection fails
   * `start()` with it.
   */
  checkStart?: () => Promise<void>;
}

/** The history options users set. */
export interface ConversationHistoryOptions<T> {
  /** Where history lives (default: a `MemoryConversationStore`). */
  store?: ConversationStore<T> | undefined;
  /**
   * The conversation a message belongs to; `undefined` = answer without history. Default:
   * {@link defaultConversationKey} (per authenticated sender and contextId; none on push).
   */
  conversationKey?: ((message: InboundMessage) => string | undefined) | undefined;
  /** Most messages kept per conversation; older turns are dropped whole (default 100). */
  maxHistoryMessages?: number | undefined;
}

/** Options of {@link createConversationHandler}: the history options plus the framework's message shape. */
export interface ConversationHandlerOptions<T> extends ConversationHistoryOptions<T> {
  /** Runs the model. */
  run: ConversationRun<T>;
  /**
   * The message for an inbound one (its text and files are untrusted: pass the text through
   * `sanitizePeerText`; `readModelFiles` reads its files so); `signal` aborts reading its files.
   */
  toMessage: (message: InboundMessage, signal: AbortSignal | undefined) => T | Promise<T>;
  /** What is saved for an answer that names no `responseMessages`: an assistant message. */
  assistantMessage: (text: string) => T;
  /** Whether kept history may start at this message (a user message): see {@link trimHistory}. */
  startsTurn: (message: T) => boolean;
  /** The function name that error messages start with, e.g. `createPeerMessageHandler`. */
  caller: string;
}

/**
 * The default conversation key: the A2A contextId within the sender the platform authenticated
 * (`peer:<sourceId>/context:<contextId>`, else `peer:<sourceId>`; the canvas user's `canvas`...);
 * a pushed message, whose sender nobody authenticated, has none (see {@link conversationKey}).
 */
export function defaultConversationKey(message: InboundMessage): string | undefined {
  return conversationKey(message, "context");
}

/**
 * Keeps at most `max` messages, dropping the oldest whole turns: the kept history always starts
 * at a message `startsTurn` accepts, so a tool call is never separated from its result.
 */
export function trimHistory<T>(
  messages: T[],
  max: number,
  startsTurn: (message: T) => boolean,
): T[] {
  if (messages.length <= max) return messages;
  let start = messages.length - max;
  while (start < messages.length && !startsTurn(messages[start] as T)) start++;
  return messages.slice(start);
}

/**
 * A message handler with conversation history: messages of one conversation are answered one at
 * a time, in arrival order, so history stays consistent; other conversations run concurrently.
 * An answer no `callPeer` awaits (`msg.isReply`: late, or a duplicate of one a call took) is
 * `unawaited`: it never reaches the model nor the history, and the handler resolves `""` (the
 * runtime never answers an answer).
 * `.stream()` yields text as the run streams it; when a stream fails before its first chunk (a
 * model that cannot stream), the turn is answered by one non-streaming run instead.
 */
export function createConversationHandler<T>(
  options: ConversationHandlerOptions<T>,
): ConversationHandler {
  const { run, toMessage, assistantMessage, startsTurn, caller } = options;
  const store = options.store ?? new MemoryConversationStore<T>();
  const keyOf = options.conversationKey ?? defaultConversationKey;
  const maxMessages = options.maxHistoryMessages ?? 100;
  if (!Number.isInteger(maxMessages) || maxMessages < 1) {
    throw new MoleculeOptionError(
      "maxHistoryMessages",
      `${caller}: maxHistoryMessages must be a positive integer (default 100).`,
    );
  }
  const locks = new KeyedQueue();

  const start = (message: InboundMessage): string | undefined => {
    if (message === null || typeof message !== "object" || typeof message.text !== "string") {
      throw new MoleculeError(`${caller}: expected an InboundMessage (with a string \`text\`).`, {
        code: "invalid_argument",
      });
    }
    return keyOf(message);
  };
  const prepare = async (
    message: InboundMessage,
    key: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T[]> => {
    const history = key === undefined ? [] : ((await store.get(key)) ?? []);
    return [...history, await toMessage(message, signal)];
  };
  const save = async (key: string | undefined, messages: T[], added: T[]): Promise<void> => {
    if (key !== undefined) {
      await store.set(key, trimHistory([...messages, ...added], maxMessages, startsTurn));
    }
  };
  /** Reads an answer to the end: its text and the messages to save. */
  const complete = async (answer: ConversationAnswer<T>): Promise<{ text: string; added: T[] }> => {
    const streamed = asStream<T>(answer);
    if (streamed) {
      let text = "";
      for await (const chunk of streamed.textStream) text += chunk;
      return { text, added: (await streamed.responseMessages()) ?? [assistantMessage(text)] };
    }
    const done = answer as Exclude<ConversationAnswer<T>, { textStream: unknown }>;
    const text = typeof done === "string" ? done : done.text;
    const added = typeof done === "string" ? undefined : done.responseMessages;
    return { text, added: added ?? [assistantMessage(text)] };
  };

  const handler = async (message: InboundMessage, context: ConversationContext = {}) => {
    const key = start(message);
    if (message.isReply === true) return ""; // see `unawaited`
    return locks.run(key, async () => {
      const signal = context.signal;
      const messages = await prepare(message, key, signal);
      const { text, added } = await complete(
        await run({ messages, message, signal, stream: false }),
      );
      await save(key, messages, added);
      return text;
    });
  };

  const stream = (message: InboundMessage, context: ConversationContext = {}) => ({
    [Symbol.asyncIterator]: () => {
      const key = start(message);
      if (message.isReply === true) return (async function* () {})(); // see `unawaited`
      return locks.iterate(key, async function* () {
        const signal = context.signal;
        const messages = await prepare(message, key, signal);
        const answer = await run({ messages, message, signal, stream: true });
        const streamed = asStream<T>(answer);
        if (!streamed) {
          const done = await complete(answer);
          if (done.text) yield done.text;
          await save(key, messages, done.added);
          return;
        }
        let text = "";
        let added: T[] | undefined;
        try {
          for await (const chunk of streamed.textStream) {
            text += chunk;
            yield chunk;
          }
          added = await streamed.responseMessages();
        } catch (error) {
          // Nothing streamed (e.g. a model that only implements doGenerate fails its doStream):
          // answer with one non-streaming run instead of failing.
          if (text !== "" || signal?.aborted) throw error;
          ({ text, added } = await complete(
            await run({ messages, message, signal, stream: false }),
          ));
          if (text) yield text;
        }
        await save(key, messages, added ?? [assistantMessage(text)]);
      });
    },
  });

  return Object.assign(handler, { stream });
}

/**
 * Reads a `streamText`-like answer. Each getter is read once: `streamText` results create a new
 * teed stream per `textStream` read, and an unread branch of a failed stream is an unhandled
 * rejection. `responseMessages` is read only after the stream is consumed, for the same reason.
 */
function asStream<T>(
  value: unknown,
):
  | { textStream: AsyncIterable<string>; responseMessages: () => Promise<T[] | undefined> }
  | undefined {
  if (typeof value !== "object" || value === null || !("textStream" in value)) return undefined;
  const textStream = (value as { textStream?: unknown }).textStream;
  if (
    typeof textStream !== "object" ||
    textStream === null ||
    typeof (textStream as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function"
  ) {
    return undefined;
  }
  return {
    textStream: textStream as AsyncIterable<string>,
    responseMessages: async () => {
      const pending = (value as { responseMessages?: PromiseLike<T[]> }).responseMessages;
      return pending === undefined ? undefined : await pending;
    },
  };
}
