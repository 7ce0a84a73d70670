import {
  type InboundMessage,
  type RemoteAgentOptions,
  MoleculeOptionError,
  sanitizePeerText,
} from "@molecule-ai/agent-core";
import {
  createConversationHandler,
  MemoryConversationStore as CoreMemoryConversationStore,
  readModelFiles,
} from "@molecule-ai/agent-core/adapters";
import type {
  ConversationContext,
  ConversationHandler,
  ConversationHistoryOptions,
  ConversationStore as CoreConversationStore,
} from "@molecule-ai/agent-core/adapters";
import type { FilePart, ModelMessage, TextPart } from "ai";
import { assertModelResolvable } from "./model-check.js";

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
export type PeerMessageContext = ConversationContext;

/**
 * Answers inbound messages; returned by {@link createPeerMessageHandler}. Call it (a `RemoteAgent`
 * handler) for the full answer, or `.stream()` for the answer's text as it is generated.
 */
export type PeerMessageHandler = ConversationHandler;

/**
 * Options for {@link createPeerMessageHandler}: `store` (default: a {@link MemoryConversationStore}),
 * `conversationKey` (default: the A2A `contextId` within the authenticated sender,
 * `peer:<sourceId>/context:<contextId>`, else `peer:<sourceId>`, else `canvas` for the canvas user;
 * a pushed message's own contextId keys none: core's `conversationKey`; `undefined` = answer
 * without history), `maxHistoryMessages` (default 100; older
 * turns are dropped whole).
 */
export interface PeerMessageHandlerOptions extends ConversationHistoryOptions<ModelMessage> {
  /**
   * Turns an inbound message into the user message's text. Default: its text through core's
   * `sanitizePeerText`, whatever its `source` (a pushed message's sender is unverified, and the
   * platform lets any caller pose as the canvas). Your own function gets the raw message. The
   * message's files (`msg.files`, e.g. a canvas upload) follow as parts either way: a text file
   * as a text part (sanitised, after a `[file <name> (<type>)]` line), any other as a file part
   * (`{ type: "file", data, mediaType, filename }`).
   */
  formatMessage?: (message: InboundMessage) => string;
  /**
   * Called when a direct child workspace asks a person for approval (the agent's
   * `approvalEscalated` event: the request's id, the child and its words, as neutralised peer
   * text), to notify someone or add context. A `RemoteAgent` given this handler then reads its
   * event stream for escalations; its own token cannot decide them.
   */
  onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"];
}

export { defaultConversationKey } from "@molecule-ai/agent-core/adapters";

/**
 * Turns an AI SDK `Agent` (e.g. `ToolLoopAgent`) or a `generateText` / `streamText` call into a
 * Molecule inbound-message handler that keeps conversation history per A2A `contextId` or per
 * peer (core's `createConversationHandler`). Use it as a `RemoteAgent` `handler` (poll or push)
 * or inside `createPeerRequestHandler`.
 *
 * Messages of one conversation are answered one at a time, in arrival order, so history stays
 * consistent; different conversations run concurrently. Inbound text is passed as a `user`
 * message (untrusted), never as instructions. When `streamText` fails before its first chunk
 * (a model without `doStream`), `.stream()` answers with one non-streaming call instead.
 *
 * An agent whose model is an AI Gateway model id (`model: "openai/gpt-5"`) that cannot be resolved
 * here (no `AI_SDK_DEFAULT_PROVIDER`, no `AI_GATEWAY_API_KEY`, no `VERCEL_OIDC_TOKEN`, no linked
 * Vercel project) throws `MoleculeError` `model_unresolvable` at once, naming the fix, instead of
 * failing every message later. An answer no `callPeer` awaits (`msg.isReply`) runs no model.
 *
 * @example
 * const agent = new ToolLoopAgent({ model, tools: await peerTools(client), instructions: "You are billing." });
 * new RemoteAgent({ client, handler: createPeerMessageHandler(agent) });
 */
export function createPeerMessageHandler(
  agentOrGenerate: PeerAgentLike | PeerGenerateFunction,
  options: PeerMessageHandlerOptions = {},
): PeerMessageHandler {
  const generate = toGenerateFunction(agentOrGenerate);
  if (typeof agentOrGenerate !== "function") {
    assertModelResolvable(agentOrGenerate, "createPeerMessageHandler");
  }
  const format = options.formatMessage ?? ((m: InboundMessage) => sanitizePeerText(m.text));
  const handler = createConversationHandler<ModelMessage>({
    ...options,
    caller: "createPeerMessageHandler",
    run: ({ signal, ...turn }) => generate({ ...turn, abortSignal: signal }),
    toMessage: async (message, signal) => userMessage(format(message), message, signal),
    assistantMessage: (text) => ({ role: "assistant", content: text }),
    startsTurn: (message) => message.role === "user",
  });
  if (options.onApprovalEscalated) handler.onApprovalEscalated = options.onApprovalEscalated;
  return handler;
}

/** The user message for an inbound one: its text, then a part per file it carries. */
async function userMessage(
  text: string,
  message: InboundMessage,
  signal: AbortSignal | undefined,
): Promise<ModelMessage> {
  const { files, unread } = await readModelFiles(message, signal);
  if (files.length === 0 && unread.length === 0) return { role: "user", content: text };
  const parts: (TextPart | FilePart)[] = [{ type: "text", text: [text, ...unread].join("\n") }];
  for (const f of files) {
    if (f.text !== undefined)
      parts.push({ type: "text", text: `[file ${f.name} (${f.mediaType})]\n${f.text}` });
    else parts.push({ type: "file", data: f.bytes, mediaType: f.mediaType, filename: f.name });
  }
  return { role: "user", content: parts };
}

function toGenerateFunction(value: PeerAgentLike | PeerGenerateFunction): PeerGenerateFunction {
  if (typeof value === "function") return value;
  if (value?.version === "agent-v1" && typeof value.generate === "function") {
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
