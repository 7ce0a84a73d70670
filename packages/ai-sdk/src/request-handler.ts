import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createA2AHandler, inboundFromA2AMessage } from "@molecule-ai/agent-core";
import type { AgentCard, InboundMessage, PlatformClient } from "@molecule-ai/agent-core";
import type { PeerMessageHandler } from "./message-handler.js";

/** What a plain handler function passed to {@link createPeerRequestHandler} receives besides the message. */
export interface PeerRequestContext {
  /** Aborts when the caller disconnects. */
  signal: AbortSignal;
  /** The JSON-RPC method the caller used (`message/send`, `message/stream`, `SendMessage`, ...). */
  method: string;
  /** True when the caller asked for a streamed answer; return an `AsyncIterable<string>` to stream. */
  stream: boolean;
  /** The platform client, when one was given. */
  client: PeerRequestClient | undefined;
}

/** Answers one inbound message: text (or nothing), or text chunks to stream. */
export type PeerRequestMessageHandler = (
  message: InboundMessage,
  context: PeerRequestContext,
) => string | void | AsyncIterable<string> | PromiseLike<string | void | AsyncIterable<string>>;

/** The part of `PlatformClient` the request handler uses (the workspace id names the default agent card). */
export type PeerRequestClient = Pick<PlatformClient, "workspaceId">;

/** Options for {@link createPeerRequestHandler}. */
export interface PeerRequestHandlerOptions {
  /**
   * Answers each message: a {@link createPeerMessageHandler} result (its `.stream` is used when the
   * caller streams), or any function returning text, nothing, or text chunks to stream.
   */
  handler: PeerRequestMessageHandler;
  /** Gives the default agent card its name, and is passed to plain handlers. */
  client?: PeerRequestClient;
  /** The card served at `/.well-known/agent-card.json`. Default: `{ name: client.workspaceId }`, streaming on. */
  agentCard?: AgentCard;
  /**
   * The secret the request path must end with (`generatePathSecret()` from core, 256 bits);
   * anything else is a 404. Register `https://host/route/<secret>` with the platform. The platform
   * proxy sends no credentials, so this is what keeps the endpoint from being an open door: it is
   * required. Pass `false` only when something in front of the handler already authenticates
   * every request.
   */
  pathSecret: string | false;
  /**
   * The path the handler is mounted under (default `/`), e.g. `"/api/molecule"` for a Next.js
   * `app/api/molecule/[...path]/route.ts`. The endpoint is `<basePath>/<pathSecret>`.
   */
  basePath?: string;
  /** Largest request body accepted, in bytes (default 1 MiB, larger is a 413). */
  maxBodyBytes?: number;
  /** The public URL advertised in the agent card. */
  publicUrl?: string;
  /** Answer `message/stream` callers over SSE and advertise streaming in the card (default true). */
  streaming?: boolean;
  /** Called with every error a handler throws (the caller only sees a JSON-RPC internal error). */
  onError?: (error: unknown, info: { method: string; requestId: string | number | null }) => void;
  /** How many recent A2A messageIds to remember to answer a redelivered message once (default 1000). */
  dedupeSize?: number;
}

/**
 * What {@link createPeerRequestHandler} returns: a web `(Request) => Promise<Response>` A2A
 * endpoint that also serves `node:http` requests (Express, Fastify's `request.raw`/`reply.raw`).
 */
export interface PeerRequestHandler {
  (request: Request): Promise<Response>;
  /**
   * Serves a `node:http` request. `body`: the parsed or raw body when a middleware (e.g.
   * `express.json()`) already consumed the stream.
   */
  handleNode(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void>;
  /** Aborts running answers; later requests get HTTP 503. */
  close(): Promise<void>;
}

const STREAM_METHODS = new Set(["message/stream", "SendStreamingMessage"]);

/**
 * An A2A push endpoint: a web `(request: Request) => Promise<Response>` for Next.js route
 * handlers, Hono, Bun and Deno, with `.handleNode(req, res)` for `node:http`, Express and Fastify.
 * Built on core's `createA2AHandler`: JSON-RPC `message/send` (v0.3) and `SendMessage` (v1.0),
 * task get/cancel, the agent card, body limits, the path secret, and streaming over SSE when the
 * caller uses `message/stream` and the handler streams (a {@link createPeerMessageHandler} result
 * always can).
 *
 * A message the platform redelivers (same A2A `messageId`, e.g. after a timeout) is answered once:
 * the second request gets the first answer.
 *
 * @example
 * // app/api/molecule/[...path]/route.ts; register https://<app>/api/molecule/<pathSecret>
 * export const POST = createPeerRequestHandler({
 *   client, handler: createPeerMessageHandler(agent), basePath: "/api/molecule", pathSecret,
 * });
 * export const GET = POST; // serves the agent card
 * // Express 5 (routes keep `req.url` whole, so `basePath` matches):
 * // app.all("/api/molecule/*rest", (req, res) => void POST.handleNode(req, res));
 */
export function createPeerRequestHandler(options: PeerRequestHandlerOptions): PeerRequestHandler {
  const { handler, client } = options;
  if (typeof handler !== "function") {
    throw new TypeError(
      "createPeerRequestHandler: `handler` must be a function, e.g. createPeerMessageHandler(agent).",
    );
  }
  const { pathSecret } = options;
  if (pathSecret !== false && (typeof pathSecret !== "string" || pathSecret.length === 0)) {
    throw new TypeError(
      "createPeerRequestHandler: `pathSecret` is required: pass generatePathSecret() from " +
        "@molecule-ai/agent-core (and register the URL ending with it), or `false` when something " +
        "in front of this handler already authenticates every request.",
    );
  }
  const agentCard = options.agentCard ?? defaultCard(client);
  const recent = new RecentAnswers(options.dedupeSize ?? 1000);

  const a2a = createA2AHandler({
    agentCard,
    ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    ...(pathSecret !== false ? { pathSecret } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    ...(options.onError !== undefined ? { onError: options.onError } : {}),
    streaming: options.streaming ?? true,
    onMessage: async (message, ctx) => {
      const inbound = inboundFromA2AMessage(message, { method: ctx.method });
      // The server answers with ctx.contextId (the caller's, or a fresh one the caller gets back):
      // keying history by it lets the caller continue the conversation.
      if (!inbound.contextId && ctx.contextId) inbound.contextId = ctx.contextId;
      const stream = STREAM_METHODS.has(ctx.method);
      if (stream) return answer(inbound, ctx.signal, ctx.method, true);
      const answerOnce = (): Promise<string | undefined> =>
        answer(inbound, ctx.signal, ctx.method, false).then((out) => collect(out));
      // Keyed by messageId and text, so a different message reusing an id never gets this answer.
      // The text is hashed: remembering 1000 answers must not mean holding 1000 request bodies.
      const key = inbound.messageId
        ? `${inbound.messageId}\u0000${createHash("sha256").update(inbound.text).digest("base64")}`
        : undefined;
      const text = key ? await recent.get(key, answerOnce) : await answerOnce();
      return text ?? undefined;
    },
  });

  async function answer(
    inbound: InboundMessage,
    signal: AbortSignal,
    method: string,
    stream: boolean,
  ): Promise<string | AsyncIterable<string> | undefined> {
    if (stream && isPeerMessageHandler(handler)) return handler.stream(inbound, { signal });
    const out = await handler(inbound, { signal, method, stream, client });
    return out ?? undefined;
  }

  return Object.assign((request: Request) => a2a.handleFetch(request), {
    handleNode: (req: IncomingMessage, res: ServerResponse, body?: unknown) =>
      a2a.handleNode(req, res, body),
    close: () => a2a.close(),
  });
}

function isPeerMessageHandler(value: unknown): value is PeerMessageHandler {
  return (
    typeof value === "function" && typeof (value as { stream?: unknown }).stream === "function"
  );
}

async function collect(
  value: string | AsyncIterable<string> | undefined,
): Promise<string | undefined> {
  if (value === undefined || typeof value === "string") return value;
  let text = "";
  for await (const chunk of value) text += chunk;
  return text;
}

function defaultCard(client: PeerRequestClient | undefined): AgentCard {
  if (!client?.workspaceId) {
    throw new TypeError(
      "createPeerRequestHandler: pass `agentCard` (or `client`, to name the default card).",
    );
  }
  return { name: client.workspaceId, capabilities: { streaming: true, pushNotifications: false } };
}

/** Answers per messageId, remembered for the last `size` messages (in-flight ones included). */
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
      const oldest = this.#answers.keys().next().value as string;
      this.#answers.delete(oldest);
    }
    return pending;
  }
}
