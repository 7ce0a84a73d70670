import { MoleculeError, MoleculeOptionError, sanitizePeerText } from "@molecule-ai/agent-core";
import { assertModelKey } from "./model-check.js";
import {
  askForInput,
  createTurnHandler,
  readModelFiles,
  threadIdFor,
} from "@molecule-ai/agent-core/adapters";
import { contentText } from "@molecule-ai/agent-core/peer-tools";
import type { ConversationKeyStrategy, TurnHandler } from "@molecule-ai/agent-core/adapters";
import { type BaseMessage, type ContentBlock, HumanMessage } from "@langchain/core/messages";
import type { InboundMessage, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { isQuestion } from "./question.js";

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
 * The handler {@link createPeerMessageHandler} returns: core's `TurnHandler`, a `RemoteAgent`
 * handler plus `.stream()` yielding the agent's tokens as they come (A2A `message/stream`).
 */
export type StreamingPeerMessageHandler = TurnHandler;

/** How inbound messages map to conversation threads (`configurable.thread_id`). */
export type ThreadIdStrategy = ConversationKeyStrategy;

/** Options of {@link createPeerMessageHandler}. */
export interface PeerMessageHandlerOptions {
  /**
   * One thread per sender (`"peer"`, default: `peer:<sourceId>`), per A2A conversation within
   * its sender (`"context"`: `peer:<sourceId>/context:<contextId>`, falling back to the sender),
   * or your own function (return `undefined` to fall back). Canvas messages share the thread
   * `canvas`; a message without a sender the platform authenticated (a push) gets a thread of its
   * own, unless the push endpoint issued its conversation (core's `conversationKey`). With a checkpointer on the agent, each
   * thread keeps its history across messages.
   */
  threadId?: ThreadIdStrategy;
  /**
   * Builds the agent's input messages. Default: one `HumanMessage` with the inbound text passed
   * through `sanitizePeerText`, whatever its `source` (a pushed message's sender is unverified, and
   * the platform lets any caller pose as the canvas), and the message's files (`msg.files`, e.g.
   * a canvas upload) as content blocks: `image`, `audio`, `video` or `file` blocks with base64
   * `data`, a text file as a `text` block (sanitised, after a `[file <name> (<type>)]` line). Your
   * own function gets the raw message (read its files with `file.bytes()`).
   */
  toMessages?: (msg: InboundMessage) => BaseMessage[] | Promise<BaseMessage[]>;
  /** Extra run config (tags, metadata, recursionLimit, context...), static or per message. */
  config?: Record<string, unknown> | ((msg: InboundMessage) => Record<string, unknown> | undefined);
  /**
   * Builds the reply from the agent's final state. Default: the structured response as JSON
   * when the agent has one, else the text of the last AI message. Return `undefined` to not reply.
   */
  reply?: (state: unknown, msg: InboundMessage) => string | undefined;
  /**
   * Called when a direct child workspace asks a person for approval (the agent's
   * `approvalEscalated` event: the request's id, the child and its words, as neutralised peer
   * text), to notify someone or add context. A `RemoteAgent` given this handler then reads its
   * event stream for escalations; its own token cannot decide them.
   */
  onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"];
}

/** The text of an AI message or chunk (a message instance or its plain form); else `undefined`. */
function aiText(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown> & { getType?: () => unknown };
  const type = typeof m.getType === "function" ? m.getType() : m["type"];
  if (type !== "ai" && type !== "AIMessageChunk") return undefined;
  return typeof m["text"] === "string" ? m["text"] : contentText(m["content"]);
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
  return aiText(s.messages.findLast((m: unknown) => aiText(m) !== undefined));
}

/** The content block of one read file: its kind from the media type, text files as text. */
function fileBlock(
  f: Awaited<ReturnType<typeof readModelFiles>>["files"][number],
): ContentBlock.Standard {
  if (f.text !== undefined)
    return { type: "text", text: `[file ${f.name} (${f.mediaType})]\n${f.text}` };
  const kind = /^(image|audio|video)\//.exec(f.mediaType)?.[1] as
    | "image"
    | "audio"
    | "video"
    | undefined;
  const data = { mimeType: f.mediaType, data: f.base64, metadata: { filename: f.name } };
  return kind ? { type: kind, ...data } : { type: "file", ...data };
}

async function defaultMessages(msg: InboundMessage, signal?: AbortSignal): Promise<BaseMessage[]> {
  // Every source: a pushed message names no verified sender ("unknown"), and the platform treats
  // an A2A call without a caller id as the canvas, unauthenticated, so "canvas_user" can be a peer.
  const { source, sourceId, peerName, contextId } = msg;
  const molecule = { source, sourceId, ...(peerName ? { peerName } : {}) };
  const fields = {
    ...(msg.messageId ? { id: msg.messageId } : {}),
    additional_kwargs: { molecule: { ...molecule, ...(contextId ? { contextId } : {}) } },
  };
  const text = sanitizePeerText(msg.text);
  const { files, unread } = await readModelFiles(msg, signal);
  if (files.length === 0 && unread.length === 0)
    return [new HumanMessage({ content: text, ...fields })];
  const blocks: ContentBlock.Standard[] = [{ type: "text", text: [text, ...unread].join("\n") }];
  return [new HumanMessage({ contentBlocks: [...blocks, ...files.map(fileBlock)], ...fields })];
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
  if (typeof agent?.invoke !== "function")
    throw new MoleculeOptionError(
      "agent",
      "createPeerMessageHandler: `agent` must have invoke(); pass a createAgent() result or a compiled graph.",
    );
  assertModelKey(agent, "createPeerMessageHandler");
  const reply = (state: unknown, msg: InboundMessage): string | undefined => {
    // A graph's interrupt question: answered as A2A `input-required` (push), the next message of
    // the conversation resumes the graph.
    if (isQuestion(state)) return askForInput(msg, defaultReply(state) ?? "");
    if (options.reply) return options.reply(state, msg);
    const text = defaultReply(state);
    if (text !== undefined) return text;
    throw new MoleculeError(
      "createPeerMessageHandler: the agent's result has no AI message to reply with; " +
        "return a state with `messages`, or pass `reply` to build the answer.",
      { code: "no_reply" },
    );
  };

  const handler = createTurnHandler(
    async (msg, { key, signal, emit }) => {
      const extra = typeof options.config === "function" ? options.config(msg) : options.config;
      const configurable = typeof extra?.configurable === "object" ? extra.configurable : undefined;
      const messages = options.toMessages
        ? await options.toMessages(msg)
        : await defaultMessages(msg, signal);
      const input = { messages };
      const config = {
        ...extra,
        configurable: { ...configurable, thread_id: key },
        ...(signal ? { signal } : {}),
      };
      // A custom `reply` decides the answer, so only a default reply streams the model's tokens.
      if (!emit || !agent.stream || options.reply)
        return reply(await agent.invoke(input, config), msg);
      const events = await agent.stream(input, { ...config, streamMode: ["messages", "values"] });
      let state: unknown;
      for await (const event of events) {
        const [mode, payload] = Array.isArray(event) ? event : [];
        if (mode === "values") state = payload;
        else if (mode === "messages" && Array.isArray(payload)) emit(aiText(payload[0]) ?? "");
      }
      return reply(state, msg);
    },
    (msg) => threadIdFor(msg, options.threadId),
  );
  if (options.onApprovalEscalated) handler.onApprovalEscalated = options.onApprovalEscalated;
  return handler;
}
