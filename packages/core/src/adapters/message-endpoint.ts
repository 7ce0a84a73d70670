// An A2A endpoint for an InboundMessage handler: what the adapters' request handlers are built on.
// The A2A server does the protocol; this adds the path-secret rule, the default card, redelivery
// de-duplication and the choice between a handler's streamed and whole answer.
import { contentFingerprint, createA2AHandler } from "../a2a/index.js";
import type { A2AHandler, A2AHandlerOptions } from "../a2a/index.js";
import type { AgentCard } from "../a2a/index.js";
import { inboundFromA2AMessage, pushKey } from "../inbound/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { traceInbound, traceInboundAnswer } from "../observability/index.js";
import { MoleculeOptionError } from "../transport/index.js";

/** What a {@link MessageEndpointHandler} receives besides the message. */
export interface MessageEndpointContext {
  /** Aborts when the caller disconnects or the endpoint closes. */
  signal: AbortSignal;
  /** The JSON-RPC method the caller used (`message/send`, `message/stream`, `SendMessage`, ...). */
  method: string;
  /** True when the caller asked for a streamed answer; return an `AsyncIterable<string>` to stream. */
  stream: boolean;
}

/** Answers one message: text (or nothing), or text chunks to stream. */
export type MessageEndpointAnswer = string | void | AsyncIterable<string>;

/**
 * The handler of a {@link createMessageEndpoint}: a function, optionally with `.stream()` (the
 * adapters' message handlers have one), used for callers that stream.
 */
export type MessageEndpointHandler = ((
  message: InboundMessage,
  context: MessageEndpointContext,
) => MessageEndpointAnswer | PromiseLike<MessageEndpointAnswer>) & {
  stream?: (message: InboundMessage, context: { signal?: AbortSignal }) => AsyncIterable<string>;
};

/** Options of {@link createMessageEndpoint}. */
export interface MessageEndpointOptions extends Pick<
  A2AHandlerOptions,
  | "basePath"
  | "maxBodyBytes"
  | "publicUrl"
  | "onError"
  | "claims"
  | "workspaceId"
  | "platformSecret"
> {
  /** Answers each message. */
  handler: MessageEndpointHandler;
  /** The card served at `<endpoint>/.well-known/agent-card.json` (streaming advertised unless off). */
  agentCard: AgentCard;
  /**
   * The secret the request path must end with (`generatePathSecret()`); anything else is a 404.
   * The platform proxy sends no credentials, so it is required: pass `false` only when something
   * in front of the endpoint already authenticates every request.
   */
  pathSecret: string | false;
  /** Answer `message/stream` callers over SSE (default true). */
  streaming?: boolean;
  /** How many recent A2A messageIds to remember to answer a redelivered message once (default 1000). */
  dedupeSize?: number;
}

const STREAM_METHODS = new Set(["message/stream", "SendStreamingMessage"]);

/**
 * An A2A endpoint (`handleNode`, `handleFetch`) that answers each message with `handler`: its
 * `.stream()` for callers that stream, else the handler itself. A message delivered twice (same
 * `messageId` and content, e.g. after a platform timeout) is answered once. A message without a
 * `contextId` gets the fresh one the server returns, so a caller that sends it back continues
 * the same conversation.
 */
export function createMessageEndpoint(options: MessageEndpointOptions): A2AHandler {
  const { handler, pathSecret, agentCard } = options;
  if (typeof handler !== "function") {
    throw new MoleculeOptionError(
      "handler",
      "`handler` must be a function, e.g. createPeerMessageHandler(agent).",
    );
  }
  if (pathSecret !== false && (typeof pathSecret !== "string" || pathSecret.length === 0)) {
    throw new MoleculeOptionError(
      "pathSecret",
      "`pathSecret` is required: pass generatePathSecret() from @molecule-ai/agent-core (and " +
        "register the URL ending with it), or `false` when something in front of this handler " +
        "already authenticates every request.",
    );
  }
  const recent = new RecentAnswers(options.dedupeSize ?? 1000);
  const answer = async (inbound: InboundMessage, signal: AbortSignal, method: string) => {
    const stream = STREAM_METHODS.has(method);
    if (stream && handler.stream) return handler.stream(inbound, { signal });
    return (await handler(inbound, { signal, method, stream })) ?? undefined;
  };
  const { basePath, maxBodyBytes, publicUrl, onError, claims, workspaceId } = options;
  const { platformSecret } = options;
  return createA2AHandler({
    ...(platformSecret !== undefined ? { platformSecret } : {}),
    ...(basePath !== undefined ? { basePath } : {}),
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(onError !== undefined ? { onError } : {}),
    ...(claims !== undefined ? { claims } : {}),
    ...(workspaceId !== undefined ? { workspaceId } : {}),
    pathSecret,
    streaming: options.streaming ?? true,
    agentCard,
    onMessage: async (message, ctx) => {
      const inbound = inboundFromA2AMessage(message, { method: ctx.method });
      if (!inbound.contextId) inbound.contextId = ctx.contextId;
      // The handler runs in the message's span (a child of the sender's): an LLM framework's
      // spans and the peer calls it makes join the caller's trace.
      if (STREAM_METHODS.has(ctx.method)) {
        return traceInboundAnswer(workspaceId, inbound, () =>
          answer(inbound, ctx.signal, ctx.method),
        );
      }
      const once = () =>
        traceInbound(workspaceId, inbound, false, async () =>
          collect(await answer(inbound, ctx.signal, ctx.method)),
        );
      // Keyed by messageId and a fingerprint of the content (as a RemoteAgent's push delivery): a
      // different message reusing an id never gets this answer, and remembering answers does not
      // mean holding request bodies. Across instances, `claims` does the same in a store.
      return await recent.get(pushKey(message.messageId, contentFingerprint(message)), once);
    },
  });
}

async function collect(value: MessageEndpointAnswer): Promise<string | undefined> {
  if (typeof value === "string") return value;
  if (value === undefined) return undefined;
  let text = "";
  for await (const chunk of value) text += chunk;
  return text;
}

/** Answers per key, remembered for the last `size` messages (in-flight ones included). */
class RecentAnswers {
  readonly #answers = new Map<string, Promise<string | undefined>>();
  constructor(readonly size: number) {}

  get(key: string, compute: () => Promise<string | undefined>): Promise<string | undefined> {
    const known = this.#answers.get(key);
    if (known) return known;
    const pending = compute();
    this.#answers.set(key, pending);
    // A failed answer is not remembered: a redelivery should try again.
    pending.catch(() => {
      if (this.#answers.get(key) === pending) this.#answers.delete(key);
    });
    while (this.#answers.size > this.size) {
      this.#answers.delete(this.#answers.keys().next().value as string);
    }
    return pending;
  }
}
