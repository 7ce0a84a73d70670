import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { MoleculeError, MoleculeOptionError, sanitizePeerText } from "@molecule-ai/agent-core";
import { KeyedQueue } from "@molecule-ai/agent-core/adapters";
import { HumanMessage } from "@langchain/core/messages";
import type { BaseMessage } from "@langchain/core/messages";
import type { InboundMessage, PeerMessageHandler } from "./types.js";

/**
 * Anything that runs a conversation: a `createAgent()` result, a compiled `StateGraph` over
 * `MessagesAnnotation`/`MessagesValue`, or any Runnable taking `{ messages }` and returning a
 * state with `messages`.
 */
export interface MessagesRunnable {
  invoke(
    input: { messages: BaseMessage[] },
    config?: {
      signal?: AbortSignal;
      configurable?: Record<string, unknown>;
      [key: string]: unknown;
    },
  ): Promise<unknown>;
  /**
   * When present (`createAgent()` results and compiled graphs have it), `.stream()` of the
   * handler sends the model's tokens as they come: it is called with
   * `streamMode: ["messages", "values"]`.
   */
  stream?(
    input: { messages: BaseMessage[] },
    config?: {
      signal?: AbortSignal;
      configurable?: Record<string, unknown>;
      [key: string]: unknown;
    },
  ): Promise<AsyncIterable<unknown>> | AsyncIterable<unknown>;
}

/**
 * The handler {@link createPeerMessageHandler} returns: a `RemoteAgent` handler, plus `.stream()`
 * for callers that want the answer as it is generated (A2A `message/stream`).
 */
export interface StreamingPeerMessageHandler extends PeerMessageHandler {
  /**
   * The answer's text as it is generated: the tokens of the agent's AI messages, or the whole
   * reply in one piece when nothing streamed (a model that does not stream, a custom `reply`).
   * Breaking out of the loop cancels the run.
   */
  stream(msg: InboundMessage, ctx?: { signal?: AbortSignal }): AsyncIterable<string>;
}

/** How inbound messages map to conversation threads (`configurable.thread_id`). */
export type ThreadIdStrategy = "peer" | "context" | ((msg: InboundMessage) => string | undefined);

/** Options of {@link createPeerMessageHandler}. */
export interface PeerMessageHandlerOptions {
  /**
   * One thread per sender (`"peer"`, default: `peer:<sourceId>`), per A2A conversation
   * (`"context"`: `context:<contextId>`, falling back to the sender), or your own function
   * (return `undefined` to fall back). Canvas messages share the thread `canvas`; a message with
   * no sender and no context gets a thread of its own. With a checkpointer on the agent, each
   * thread keeps its history across messages.
   */
  threadId?: ThreadIdStrategy;
  /**
   * Builds the agent's input messages. Default: one `HumanMessage` with the inbound text passed
   * through `sanitizePeerText`, whatever its `source` (a pushed message's sender is unverified, and
   * the platform lets any caller pose as the canvas). Your own function gets the raw message.
   */
  toMessages?: (msg: InboundMessage) => BaseMessage[];
  /** Extra run config (tags, metadata, recursionLimit, context...), static or per message. */
  config?: Record<string, unknown> | ((msg: InboundMessage) => Record<string, unknown> | undefined);
  /**
   * Builds the reply from the agent's final state. Default: the structured response as JSON
   * when the agent has one, else the text of the last AI message. Return `undefined` to not reply.
   */
  reply?: (state: unknown, msg: InboundMessage) => string | undefined;
}

/** The thread id a message belongs to under a strategy. */
export function threadIdFor(msg: InboundMessage, strategy: ThreadIdStrategy = "peer"): string {
  if (typeof strategy === "function") {
    const id = strategy(msg);
    if (id !== undefined) return id;
  } else if (strategy === "context" && msg.contextId) {
    return `context:${msg.contextId}`;
  }
  if (msg.sourceId) return `peer:${msg.sourceId}`;
  if (msg.contextId) return `context:${msg.contextId}`;
  if (msg.source === "canvas_user") return "canvas";
  // No caller identity (e.g. a push without metadata): never mix strangers into one thread.
  return `message:${msg.messageId ?? msg.activityId ?? randomUUID()}`;
}

function messageType(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as { getType?: () => unknown; _getType?: () => unknown; type?: unknown };
  const type = typeof m.getType === "function" ? m.getType() : m.type;
  return typeof type === "string" ? type : undefined;
}

function messageText(message: unknown): string {
  const m = message as { text?: unknown; content?: unknown };
  if (typeof m.text === "string") return m.text;
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.content)) {
    return m.content
      .map((block: unknown) =>
        typeof block === "string"
          ? block
          : typeof block === "object" &&
              block !== null &&
              (block as { type?: unknown }).type === "text" &&
              typeof (block as { text?: unknown }).text === "string"
            ? (block as { text: string }).text
            : "",
      )
      .join("");
  }
  return "";
}

/**
 * The default reply: the agent's structured response as JSON when present, else the text of the
 * last AI message of the final state.
 */
export function defaultReply(state: unknown): string | undefined {
  if (typeof state !== "object" || state === null) return undefined;
  const s = state as { structuredResponse?: unknown; messages?: unknown };
  if (s.structuredResponse !== undefined) return JSON.stringify(s.structuredResponse);
  if (!Array.isArray(s.messages)) return undefined;
  for (let i = s.messages.length - 1; i >= 0; i -= 1) {
    const message: unknown = s.messages[i];
    const type = messageType(message);
    if (type === "ai" || type === "AIMessageChunk") return messageText(message);
  }
  return undefined;
}

function defaultMessages(msg: InboundMessage): BaseMessage[] {
  // Every source: a pushed message names no verified sender ("unknown"), and the platform treats
  // an A2A call without a caller id as the canvas, unauthenticated, so "canvas_user" can be a peer.
  const text = sanitizePeerText(msg.text);
  return [
    new HumanMessage({
      content: text,
      ...(msg.messageId ? { id: msg.messageId } : {}),
      additional_kwargs: {
        molecule: {
          source: msg.source,
          sourceId: msg.sourceId,
          ...(msg.peerName ? { peerName: msg.peerName } : {}),
          ...(msg.contextId ? { contextId: msg.contextId } : {}),
        },
      },
    }),
  ];
}

/**
 * Runs a LangChain agent or compiled graph for each inbound message and returns its reply text.
 * The result plugs into `RemoteAgent({ handler })` and the push server. Each sender (or A2A
 * context) gets its own `configurable.thread_id`, so an agent with a checkpointer remembers the
 * conversation; messages of one thread run one at a time, other threads run concurrently.
 * The delivery's `signal` cancels the run. `.stream(msg)` yields the answer as it is generated,
 * for A2A `message/stream` callers (serve it with core's `createA2AHandler`).
 *
 * @param agent - A `createAgent()` result, a compiled `StateGraph`, or any {@link MessagesRunnable}.
 * @param options - Thread mapping, input and reply mapping, extra run config.
 */
export function createPeerMessageHandler(
  agent: MessagesRunnable,
  options: PeerMessageHandlerOptions = {},
): StreamingPeerMessageHandler {
  if (typeof agent?.invoke !== "function") {
    throw new MoleculeOptionError(
      "agent",
      "createPeerMessageHandler: `agent` must have invoke(); pass a createAgent() result or a compiled graph.",
    );
  }
  const threads = new KeyedQueue();
  const reply = (state: unknown, msg: InboundMessage): string | undefined => {
    if (options.reply) return options.reply(state, msg);
    const text = defaultReply(state);
    if (text === undefined) {
      throw new MoleculeError(
        "createPeerMessageHandler: the agent's result has no AI message to reply with; " +
          "return a state with `messages`, or pass `reply` to build the answer.",
        { code: "no_reply" },
      );
    }
    return text;
  };

  /** Runs the agent; with `onToken`, streams the AI messages' tokens when the agent can. */
  const runOne = async (
    msg: InboundMessage,
    threadId: string,
    signal: AbortSignal | undefined,
    onToken?: (text: string) => void,
  ): Promise<string | undefined> => {
    signal?.throwIfAborted();
    const extra = typeof options.config === "function" ? options.config(msg) : options.config;
    const extraConfigurable =
      extra && typeof extra.configurable === "object" && extra.configurable !== null
        ? (extra.configurable as Record<string, unknown>)
        : {};
    const input = { messages: (options.toMessages ?? defaultMessages)(msg) };
    const config = {
      ...extra,
      configurable: { ...extraConfigurable, thread_id: threadId },
      ...(signal ? { signal } : {}),
    };
    if (!onToken || !agent.stream || options.reply) {
      const text = reply(await agent.invoke(input, config), msg);
      if (onToken && text) onToken(text);
      return text;
    }
    let state: unknown;
    let streamed = false;
    const events = await agent.stream(input, { ...config, streamMode: ["messages", "values"] });
    for await (const event of events) {
      const [mode, payload] = Array.isArray(event) ? event : [];
      if (mode === "values") state = payload;
      const chunk: unknown = mode === "messages" && Array.isArray(payload) ? payload[0] : undefined;
      const type = messageType(chunk);
      const token = type === "ai" || type === "AIMessageChunk" ? messageText(chunk) : "";
      if (token) {
        streamed = true;
        onToken(token);
      }
    }
    const text = reply(state, msg);
    if (!streamed && text) onToken(text);
    return text;
  };

  const handler: PeerMessageHandler = (msg, ctx) => {
    const threadId = threadIdFor(msg, options.threadId);
    return threads.run(threadId, () => runOne(msg, threadId, ctx?.signal));
  };

  const stream = (msg: InboundMessage, ctx?: { signal?: AbortSignal }): AsyncIterable<string> => {
    const threadId = threadIdFor(msg, options.threadId);
    const out = new PassThrough({ objectMode: true });
    const consumer = new AbortController();
    const signal = ctx?.signal ? AbortSignal.any([ctx.signal, consumer.signal]) : consumer.signal;
    let finished = false;
    out.on("close", () => {
      if (!finished) consumer.abort(new Error("the stream's reader went away"));
    });
    const write = (text: string): void => {
      if (!out.destroyed) out.write(text);
    };
    threads
      .run(threadId, () => runOne(msg, threadId, signal, write))
      .then(
        () => {
          finished = true;
          out.end();
        },
        (error: unknown) => {
          finished = true;
          out.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    return out;
  };

  return Object.assign(handler, { stream });
}
