// The message endpoint as one web `(Request) => Promise<Response>` function that also serves
// node:http, with a default agent card named after the workspace.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AgentCard } from "../a2a/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { MoleculeOptionError } from "../transport/index.js";
import { createMessageEndpoint } from "./message-endpoint.js";
import type {
  MessageEndpointContext,
  MessageEndpointHandler,
  MessageEndpointOptions,
} from "./message-endpoint.js";

/** What a plain handler function passed to {@link createPeerRequestHandler} receives besides the message. */
export interface PeerRequestContext extends MessageEndpointContext {
  /** The platform client, when one was given. */
  client: PeerRequestClient | undefined;
}

/** Answers one inbound message: text (or nothing), or text chunks to stream. */
export type PeerRequestMessageHandler = (
  message: InboundMessage,
  context: PeerRequestContext,
) => string | void | AsyncIterable<string> | PromiseLike<string | void | AsyncIterable<string>>;

/** The part of `PlatformClient` the request handler uses (the workspace id names the default agent card). */
export interface PeerRequestClient {
  readonly workspaceId: string;
}

/**
 * Options for {@link createPeerRequestHandler}: those of `createMessageEndpoint`
 * (`pathSecret` required, `platformSecret`, `basePath`, `maxBodyBytes`, `publicUrl`, `streaming`,
 * `onError`, `dedupeSize`, `claims`, `workspaceId`), plus the `client`. `platformSecret:
 * platformSecretOf(client)` lets only the platform push (its bearer on every POST, see
 * `A2AHandlerOptions.platformSecret`): without it, anyone who learns the URL runs the handler
 * as this workspace. `claims` (e.g.
 * `createPostgresClaims(...)` from `@molecule-ai/postgres`) handles a redelivered blocking send
 * once across instances (see `A2AHandlerOptions.claims`); `workspaceId` defaults to the client's.
 */
export interface PeerRequestHandlerOptions extends Omit<
  MessageEndpointOptions,
  "handler" | "agentCard"
> {
  /**
   * Answers each message: an adapter's `createPeerMessageHandler` result (its `.stream` is used
   * when the caller streams), or any function returning text, nothing, or text chunks to stream.
   */
  handler: PeerRequestMessageHandler;
  /** Gives the default agent card its name, and is passed to plain handlers. */
  client?: PeerRequestClient | undefined;
  /** The card served at `/.well-known/agent-card.json`. Default: `{ name: client.workspaceId }`, streaming on. */
  agentCard?: AgentCard | undefined;
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

/**
 * An A2A push endpoint: a web `(request: Request) => Promise<Response>` for Next.js route
 * handlers, Hono, Bun and Deno, with `.handleNode(req, res)` for `node:http`, Express and Fastify.
 * Built on {@link createMessageEndpoint}: JSON-RPC `message/send` (v0.3) and `SendMessage`
 * (v1.0), task get/cancel, the agent card, body limits, the path secret, and streaming over SSE
 * when the caller uses `message/stream` and the handler streams (an adapter's
 * `createPeerMessageHandler` result always can). A message the platform redelivers (same A2A
 * `messageId`) is answered once.
 *
 * @example
 * // app/api/molecule/[...path]/route.ts; register https://<app>/api/molecule/<pathSecret>
 * export const POST = createPeerRequestHandler({
 *   client, handler: createPeerMessageHandler(agent), basePath: "/api/molecule", pathSecret,
 *   platformSecret: platformSecretOf(client), // only the platform's pushes run
 * });
 * export const GET = POST; // serves the agent card
 * // Express 5 (routes keep `req.url` whole, so `basePath` matches):
 * // app.all("/api/molecule/*rest", (req, res) => void POST.handleNode(req, res));
 */
export function createPeerRequestHandler(options: PeerRequestHandlerOptions): PeerRequestHandler {
  const { handler, client } = options;
  const stream = (handler as Partial<Pick<MessageEndpointHandler, "stream">> | undefined)?.stream;
  const withClient = Object.assign(
    (message: InboundMessage, ctx: MessageEndpointContext) => handler(message, { ...ctx, client }),
    typeof stream === "function" ? { stream } : {},
  );
  const a2a = createMessageEndpoint({
    ...options,
    handler: typeof handler === "function" ? withClient : handler,
    agentCard: options.agentCard ?? defaultCard(client),
    ...(options.workspaceId === undefined && client?.workspaceId
      ? { workspaceId: client.workspaceId }
      : {}),
  });
  return Object.assign((request: Request) => a2a.handleFetch(request), {
    handleNode: (req: IncomingMessage, res: ServerResponse, body?: unknown) =>
      a2a.handleNode(req, res, body),
    close: () => a2a.close(),
  });
}

function defaultCard(client: PeerRequestClient | undefined): AgentCard {
  if (!client?.workspaceId) {
    throw new MoleculeOptionError(
      "agentCard",
      "createPeerRequestHandler: pass `agentCard` (or `client`, to name the default card).",
    );
  }
  return { name: client.workspaceId, capabilities: { streaming: true, pushNotifications: false } };
}
