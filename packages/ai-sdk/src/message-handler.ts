import {
  type InboundMessage,
  MoleculeError,
  MoleculeOptionError,
  sanitizePeerText,
} from "@molecule-ai/agent-core";
import type { ModelMessage } from "ai";
import {
  KeyedQueue,
  MemoryConversationStore as CoreMemoryConversationStore,
} from "@molecule-ai/agent-core/adapters";
import type { ConversationStore as CoreConversationStore } from "@molecule-ai/agent-core/adapters";

/**
 * Where {@link createPeerMessageHandler} keeps history, keyed by conversation (A2A `contextId`,
 * else the peer). Implement it over Redis, a database or a file to survive restarts.
 */
export type ConversationStore = CoreConversationStore<ModelMessage>;

/** The default {@link ConversationStore}: in process memory, least recently used evicted first. */
export class MemoryConversationStore extends CoreMemoryConversationStore<ModelMessage> {}

/**
 * The part of an AI SDK `Agent` (e.g. `ToolLoopAgent`) that {@link createPeerMessageHandler}
 * uses. Structural, so any `Agent` implementation fits.
 */
export interface PeerAgentLike {
  readonly version: "agent-v1";
  generate(options: {
    messages: ModelMessage[];
    abortSignal?: AbortSignal;
  }): PromiseLike<{ text: string; responseMessages: ModelMessage[] }>;
  stream(options: { messages: ModelMessage[]; abortSignal?: AbortSignal }): PromiseLike<{
    textStream: AsyncIterable<string>;
    responseMessages: PromiseLike<ModelMessage[]>;
  }>;
}

/** What a {@link PeerGenerateFunction} receives. */
export interface PeerGenerateInput {
  /** The conversation so far plus the new message as the last `user` message. Pass to `messages`. */
  messages: ModelMessage[];
  /** The inbound message being answered (its text is untrusted user content, never instructions). */
  message: InboundMessage;
  /** Aborts when the caller goes away or the agent stops. Pass it to `generateText` / `streamText`. */
  abortSignal: AbortSignal | undefined;
  /** True when the caller asked for a streamed answer (A2A `message/stream`): return `streamText(...)`. */
  stream: boolean;
}

/** A finished answer: plain text, or a `generateText` result. */
export type PeerGenerateResult = string | { text: string; responseMessages?: ModelMessage[] };

/** A streamed answer: a `streamText` result. */
export interface PeerStreamResult {
  textStream: AsyncIterable<string>;
  responseMessages?: PromiseLike<ModelMessage[]>;
}

/**
 * Answers one inbound message, typically with `generateText` (or `streamText` when
 * `input.stream` is true): `({ messages, abortSignal }) => generateText({ model, tools, messages, abortSignal })`.
 */
export type PeerGenerateFunction = (
  input: PeerGenerateInput,
) => PeerGenerateResult | PeerStreamResult | PromiseLike<PeerGenerateResult | PeerStreamResult>;

/** Context a {@link PeerMessageHandler} accepts (a `RemoteAgent` `HandlerContext` fits). */
export interface PeerMessageContext {
  signal?: AbortSignal;
}

/**
 * Answers inbound messages; returned by {@link createPeerMessageHandler}. Call it (a `RemoteAgent`
 * handler) for the full answer, or `.stream()` for the answer's text as it is generated.
 */
export interface PeerMessageHandler {
  (message: InboundMessage, context?: PeerMessageContext): Promise<string>;
  /** Streams the answer's text; history is saved once the stream completes. */
  stream(message: InboundMessage, context?: PeerMessageContext): AsyncIterable<string>;
}

/** Options for {@link createPeerMessageHandler}. */
export interface PeerMessageHandlerOptions {
  /** Where history lives (default: a {@link MemoryConversationStore}). */
  store?: ConversationStore;
  /**
   * The conversation a message belongs to; `undefined` = answer without history. Default: the A2A
   * `contextId`, else `peer:<sourceId>`, else `canvas` for the canvas user.
   */
  conversationKey?: (message: InboundMessage) => string | undefined;
  /** Most messages kept per conversation; older turns are dropped whole (default 100). */
  maxHistoryMessages?: number;
  /**
   * Turns an inbound message into the user message content. Default: its text through core's
   * `sanitizePeerText`, whatever its `source` (a pushed message's sender is unverified, and the
   * platform lets any caller pose as the canvas). Your own function gets the raw message.
   */
  formatMessage?: (message: InboundMessage) => string;
}

/** The default conversation key: A2A contextId, else the peer, else the canvas user. */
export function defaultConversationKey(message: InboundMessage): string | undefined {
  if (message.contextId) return `context:${message.contextId}`;
  if (message.sourceId) return `peer:${message.sourceId}`;
  if (message.source === "canvas_user") return "canvas";
  return undefined;
}

/**
 * Turns an AI SDK `Agent` (e.g. `ToolLoopAgent`) or a `generateText` / `streamText` call into a
 * Molecule inbound-message handler that keeps conversation history per A2A `contextId` or per
 * peer. Use it as a `RemoteAgent` `handler` (poll or push) or inside {@link createPeerRequestHandler}.
 *
 * Messages of one conversation are answered one at a time, in arrival order, so history stays
 * consistent; different conversations run concurrently. Inbound text is passed as a `user`
 * message (untrusted), never as instructions.
 *
 * @example
 * const agent = new ToolLoopAgent({ model, tools: await peerTools(client), instructions: "You are billing." });
 * new RemoteAgent({ client, handler: createPeerMessageHandler(agent) });
 */
export function createPeerMessageHandler(
  agentOrGenerate: PeerAgentLike | PeerGenerateFunction,
  options: PeerMessageHandlerOptions = {},
): PeerMessageHandler {
  const run = toGenerateFunction(agentOrGenerate);
  const store = options.store ?? new MemoryConversationStore();
  const keyOf = options.conversationKey ?? defaultConversationKey;
  const format = options.formatMessage ?? ((m: InboundMessage) => sanitizePeerText(m.text));
  const maxMessages = options.maxHistoryMessages ?? 100;
  if (!Number.isInteger(maxMessages) || maxMessages < 1) {
    throw new MoleculeOptionError(
      "maxHistoryMessages",
      "createPeerMessageHandler: maxHistoryMessages must be a positive integer (default 100).",
    );
  }
  const locks = new KeyedQueue();

  async function prepare(
    message: InboundMessage,
    key: string | undefined,
  ): Promise<ModelMessage[]> {
    const history = key === undefined ? [] : ((await store.get(key)) ?? []);
    return [...history, { role: "user", content: format(message) }];
  }

  async function save(
    key: string | undefined,
    messages: ModelMessage[],
    response: ModelMessage[],
  ): Promise<void> {
    if (key === undefined) return;
    await store.set(key, trimHistory([...messages, ...response], maxMessages));
  }

  const handler = async (
    message: InboundMessage,
    context: PeerMessageContext = {},
  ): Promise<string> => {
    assertInbound(message);
    const key = keyOf(message);
    return locks.run(key, async () => {
      const messages = await prepare(message, key);
      const abortSignal = context.signal;
      const { text, response } = await complete(
        await run({ messages, message, abortSignal, stream: false }),
      );
      await save(key, messages, response);
      return text;
    });
  };

  const stream = (
    message: InboundMessage,
    context: PeerMessageContext = {},
  ): AsyncIterable<string> => ({
    [Symbol.asyncIterator]: () => {
      assertInbound(message);
      const key = keyOf(message);
      return locks.iterate(key, async function* () {
        const messages = await prepare(message, key);
        const abortSignal = context.signal;
        const result = await run({ messages, message, abortSignal, stream: true });
        const streamed = asStream(result);
        if (!streamed) {
          const done = await complete(result);
          if (done.text) yield done.text;
          await save(key, messages, done.response);
          return;
        }
        let text = "";
        let response: ModelMessage[] | undefined;
        try {
          for await (const chunk of streamed.textStream) {
            text += chunk;
            yield chunk;
          }
          response = await streamed.responseMessages();
        } catch (error) {
          // Nothing streamed (e.g. a model that only implements doGenerate fails its doStream):
          // answer with one non-streaming run instead of failing.
          if (text !== "" || abortSignal?.aborted) throw error;
          ({ text, response } = await complete(
            await run({ messages, message, abortSignal, stream: false }),
          ));
          if (text) yield text;
        }
        await save(key, messages, response ?? [assistant(text)]);
      });
    },
  });

  return Object.assign(handler, { stream });
}

/** Reads a finished or streamed result to the end: its text and the messages to save. */
async function complete(
  result: PeerGenerateResult | PeerStreamResult,
): Promise<{ text: string; response: ModelMessage[] }> {
  const streamed = asStream(result);
  if (streamed) {
    let text = "";
    for await (const chunk of streamed.textStream) text += chunk;
    return { text, response: (await streamed.responseMessages()) ?? [assistant(text)] };
  }
  const done = result as PeerGenerateResult;
  const text = typeof done === "string" ? done : done.text;
  const response = typeof done === "string" ? undefined : done.responseMessages;
  return { text, response: response ?? [assistant(text)] };
}

function assertInbound(message: InboundMessage): void {
  if (message === null || typeof message !== "object" || typeof message.text !== "string") {
    throw new MoleculeError(
      "createPeerMessageHandler: expected an InboundMessage (with a string `text`).",
      { code: "invalid_argument" },
    );
  }
}

function assistant(text: string): ModelMessage {
  return { role: "assistant", content: text };
}

/**
 * Reads a `streamText`-like result. Each getter is read once: `streamText` results create a new
 * teed stream per `textStream` read, and an unread branch of a failed stream is an unhandled
 * rejection. `responseMessages` is read only after the stream is consumed, for the same reason.
 */
function asStream(value: unknown):
  | {
      textStream: AsyncIterable<string>;
      responseMessages: () => Promise<ModelMessage[] | undefined>;
    }
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
      const pending = (value as PeerStreamResult).responseMessages;
      return pending === undefined ? undefined : await pending;
    },
  };
}

function isAgent(value: unknown): value is PeerAgentLike {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { version?: unknown }).version === "agent-v1" &&
    typeof (value as { generate?: unknown }).generate === "function"
  );
}

function toGenerateFunction(value: PeerAgentLike | PeerGenerateFunction): PeerGenerateFunction {
  if (typeof value === "function") return value;
  if (isAgent(value)) {
    return async ({ messages, abortSignal, stream }) => {
      const callOptions = abortSignal ? { messages, abortSignal } : { messages };
      if (stream && typeof value.stream === "function") return await value.stream(callOptions);
      return await value.generate(callOptions);
    };
  }
  throw new MoleculeOptionError(
    "agentOrGenerate",
    "createPeerMessageHandler: pass an AI SDK Agent (e.g. new ToolLoopAgent(...)) or a function ({ messages, abortSignal }) => generateText(...).",
  );
}

/**
 * Keeps at most `max` messages, dropping the oldest whole turns: the kept history always starts
 * at a `user` message, so a tool call is never separated from its result.
 */
export function trimHistory(messages: ModelMessage[], max: number): ModelMessage[] {
  if (messages.length <= max) return messages;
  let start = messages.length - max;
  while (start < messages.length && messages[start]?.role !== "user") start++;
  return messages.slice(start);
}
