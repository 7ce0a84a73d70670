// The public contract of the A2A push endpoint: its options, what `onMessage` receives and may
// return, and the handler object both HTTP adapters are reached through.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CardSigningOptions } from "../card-signature.js";
import type { AgentCard, A2AMessage, A2ATask } from "../types.js";
import type { PushClaimStore } from "./claim-store.js";
import type { A2ATaskStore } from "./store.js";
import type { WebhookAddressPolicy } from "./webhook-address.js";

/** What `onMessage` receives besides the message. */
export interface A2AHandlerContext {
  /** Aborted when the caller disconnects, the task is canceled (`tasks/cancel`) or the handler closes. */
  readonly signal: AbortSignal;
  /** The JSON-RPC method as sent (`"message/send"`, `"SendMessage"`, `"message/stream"`, ...). */
  readonly method: string;
  /** The JSON-RPC request id (same value and type as sent). */
  readonly requestId: string | number | null;
  /** The wire dialect of the request: `"0.3"` for slash method names, `"1.0"` for PascalCase. */
  readonly version: "0.3" | "1.0";
  /** The conversation id: the continued task's, else the caller's `contextId`, else a fresh one. */
  readonly contextId: string;
  /**
   * The task id: the task this message continues (the caller sent `message.taskId`), or the one
   * the server created before calling the handler (streaming, non-blocking); `undefined` for a
   * blocking send that starts no task yet.
   */
  readonly taskId: string | undefined;
  /**
   * The messages of the continued task before this one (the caller's and the agent's, e.g. the
   * question of an `input-required` answer), oldest first; empty for a new task.
   */
  readonly history: readonly A2AMessage[];
  /**
   * The extensions the caller asked for (`A2A-Extensions`, v0.3 `X-A2A-Extensions`) that the
   * card declares (`capabilities.extensions`), in the caller's order; empty when none.
   */
  readonly extensions: readonly string[];
}

/** The `extendedAgentCard` option of `createA2AHandler`. */
export interface ExtendedAgentCardOptions {
  /**
   * Whether the caller may read the extended card, from its request's headers (check its
   * credentials here: a bearer token, an API key). Anything but `true` is a refusal (HTTP 401).
   */
  authorize: (headers: Headers) => boolean | Promise<boolean>;
  /**
   * The card an authorized caller gets (a function may tailor it to the caller): built into the
   * same hybrid card as the public one (same endpoint, bindings and capabilities), and signed
   * like it.
   */
  card: AgentCard | ((headers: Headers) => AgentCard | Promise<AgentCard>);
}

/** Push notifications (webhooks) of a task: how their addresses are checked and calls made. */
export interface PushNotificationOptions {
  /**
   * Which webhook addresses may be called (checked when a config is set, for every address its
   * host resolves to, and again on every connection): `"public"` (default), `"private"` (also
   * loopback, private, link-local and unique-local addresses: a webhook on your own network), or
   * a function deciding for each address. Metadata, multicast and reserved addresses pass only
   * a function.
   */
  allowAddresses?: WebhookAddressPolicy;
  /** Attempts per task state before it is given up (default 5). */
  maxAttempts?: number;
  /** Delay before the first retry in ms, doubled after each (up to 30 s; default 1000). */
  retryDelayMs?: number;
  /** Deadline of one webhook request in ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * What `onMessage` may return:
 * - a string: by default an agent `Message` with one text part (see `textResult`);
 * - an `A2AMessage` or `A2ATask` (missing ids, `kind` and `role` are filled in);
 * - nothing: a completed task without artifacts;
 * - an `AsyncIterable<string>` of text chunks: streamed as artifact updates to `message/stream` /
 *   `SendStreamingMessage` callers, and concatenated into one text for `message/send` callers.
 */
export type A2AHandlerResult =
  | string
  | A2AMessage
  | A2ATask
  | AsyncIterable<string>
  | void
  | undefined;

/** Options of {@link createA2AHandler}. */
export interface A2AHandlerOptions {
  /**
   * The agent card; served as a v0.3/v1.0 hybrid at `<endpoint>/.well-known/agent-card.json` (and
   * `agent.json`), listing JSON-RPC (v0.3, v1.0) and HTTP+JSON (v1.0), both served at the endpoint.
   */
  agentCard: AgentCard;
  /** Handles one inbound message; `message` is normalised to v0.3 (`kind` on parts, `role` defaulted to `"user"`). */
  onMessage: (
    message: A2AMessage,
    ctx: A2AHandlerContext,
  ) => A2AHandlerResult | Promise<A2AHandlerResult>;
  /**
   * The workspace this endpoint serves (default `""`): its tasks are stored for it, and a task of
   * another workspace on a shared `taskStore` is answered exactly as an unknown one (`tasks/get`,
   * `tasks/cancel`, `tasks/resubscribe`, continuation, `ListTasks`). `RemoteAgent` sets it.
   */
  workspaceId?: string;
  /**
   * Streams (`tasks/resubscribe` / `SubscribeToTask`) one task may have at once on this endpoint
   * (default 32); past it a subscription is refused with JSON-RPC error `-32000`.
   */
  maxSubscribersPerTask?: number;
  /**
   * How long a streamed task runs on while no stream follows it (default 600000, 10 minutes). A
   * task lives until it ends or is canceled: a cut `message/stream` / `SendStreamingMessage`
   * connection leaves it running, and a resubscription gets what it missed. Once neither its own
   * stream nor a resubscription on this endpoint has followed it for this long, it is `canceled`
   * (its signal aborted with code `task_unwatched`, its status message saying why). A stream on
   * another replica sharing `taskStore` counts when the store passes its notices
   * (`followed`, `watchFollows`); give every replica the same value.
   */
  unwatchedTaskTtlMs?: number;
  /** Path of the JSON-RPC endpoint (default `"/"`). */
  basePath?: string;
  /**
   * The endpoint is `<basePath>/<pathSecret>` and the card is served only below it; any other path
   * gets 404. Compared in constant time. Use `generatePathSecret()` (root entry). Required:
   * `false` serves the endpoint on `basePath` itself, for anyone who can reach it (only behind
   * your own authentication); `undefined` (an unset environment variable, say) is refused at
   * construction, so a missing secret never opens the endpoint.
   */
  pathSecret: string | false;
  /**
   * Only the platform may push: every POST must carry `Authorization: Bearer <secret>`, the
   * `platform_inbound_secret` register and every heartbeat answer (August-2026 platforms send it
   * with each push). Checked before the body is read, in constant time: another bearer, or none,
   * is refused `401`; while a function returns no secret, `503` with `Retry-After` (nothing runs
   * that cannot be checked). A function is called again with `true` after a mismatch, to pick up a
   * rotated secret (`platformSecretOf(client)` from `@molecule-ai/agent-core/adapters` asks the
   * platform with a heartbeat). GETs (the card) are left to the path secret. Unset: no check (an
   * endpoint whose caller is not the platform, or one behind your own authentication).
   */
  platformSecret?: PlatformSecretSource;
  /** Request body limit in bytes (default 1 MiB); larger bodies get HTTP 413. */
  maxBodyBytes?: number;
  /**
   * Bytes of request bodies held at once, from their read to their answer (default: the larger of
   * `maxBodyBytes` and 4 MiB). A request takes its declared length before its body is read (a
   * chunked one, and a gRPC call, what it has read, chunk by chunk); past the budget it waits for
   * room, first come first served: nothing is refused, and the platform's proxy waits for the
   * answer. One connection's requests hold at most `maxBodyBytes` (many streams on one HTTP/2
   * connection wait for their own room). A body larger than the budget is read alone.
   */
  maxBodyBytesInFlight?: number;
  /** Maximum JSON nesting depth of a request (default 64). */
  maxDepth?: number;
  /**
   * Public URL of `basePath` (scheme, host, port, path prefix), when the server sits behind a proxy;
   * the path secret is appended. Default: derived from each request's `Host`.
   */
  publicUrl?: string;
  /**
   * The address (`host:port`) of a gRPC server serving this endpoint (`@molecule-ai/grpc`): the
   * card lists it as a v1.0 `GRPC` interface whose `tenant` is the path secret, which gRPC
   * callers send in every request (`@a2a-js/sdk`'s client does so from the card).
   */
  grpcUrl?: string;
  /** Answer `message/stream` / `SendStreamingMessage` and advertise `capabilities.streaming` (default false). */
  streaming?: boolean;
  /**
   * How a string returned by `onMessage` is sent to a blocking `message/send` caller: `"message"`
   * (default: an agent Message with a text part, which every Molecule client and the platform's
   * text extraction read from `result.parts`) or `"task"` (a completed Task with one text artifact,
   * retrievable with `tasks/get`).
   */
  textResult?: "message" | "task";
  /** How many tasks `tasks/get` / `tasks/cancel` remember (LRU, default 1000) without `taskStore`. */
  maxTasks?: number;
  /**
   * Where tasks are kept (default: in memory, `maxTasks` of them). A store shared by replicas
   * (`createPostgresStore(...).tasks`) makes `tasks/get` and `tasks/cancel` work on every replica
   * behind a load balancer; a cancel aborts the handler's `signal` on the replica running it.
   */
  taskStore?: A2ATaskStore;
  /**
   * Where blocking sends (`message/send`, `SendMessage`) are claimed, so that each message is
   * handled once by one of the instances sharing the store (serverless and edge instances share
   * nothing in memory): `createPostgresClaims(...)` from `@molecule-ai/postgres`. Needs
   * `workspaceId`. A message is its messageId and content: the first delivery runs `onMessage` and
   * stores its answer as text; a redelivery, on any instance, gets that answer without running
   * it; one that comes while the first still runs gets JSON-RPC `-32603` with `data.code:
   * "message_busy"` (retryable); a handler that throws releases the claim, so a retry runs it
   * again. A store that cannot be reached runs nothing: `-32603` with `data.code:
   * "store_unavailable"` (retryable), reported to `onError`. Streaming, non-blocking and
   * continued sends are not claimed.
   */
  claims?: PushClaimStore;
  /**
   * Push notifications: callers set webhooks on their tasks (`tasks/pushNotificationConfig/*`,
   * `*TaskPushNotificationConfig`, or a send's `configuration`) and each stored change of the task
   * is POSTed to them in the background. Default: on when the task store keeps push configs (the
   * in-memory, file and PostgreSQL stores do), with the defaults of
   * {@link PushNotificationOptions}; `false` turns it off (`-32003`).
   */
  pushNotifications?: boolean | PushNotificationOptions;
  /**
   * Signs the served card (JWS, A2A v1.0 §8.4) with this key; needs `publicUrl`. The card's
   * `signatures` name the key (`kid`, and `jku` when known); with `publicKey` the endpoint also
   * serves that key's JWKS at `<endpoint>/.well-known/jwks.json`.
   */
  cardSigning?: CardSigningOptions;
  /**
   * An authenticated extended card (`GetExtendedAgentCard`, `GET /extendedAgentCard`, v0.3
   * `agent/getAuthenticatedExtendedCard`), served to callers `authorize` accepts; the public card
   * then says so (`capabilities.extendedAgentCard`).
   */
  extendedAgentCard?: ExtendedAgentCardOptions;
  /** Called with every exception thrown by `onMessage` (the caller only sees `-32603 Internal error`). */
  onError?: (error: unknown, info: { method: string; requestId: string | number | null }) => void;
}

/**
 * The push endpoint, mountable on any HTTP stack: JSON-RPC `POST`s on its path, the HTTP+JSON
 * routes below it (`POST /message:send`, `GET /tasks/{id}`, ...), and the card.
 */
export interface A2AHandler {
  /** Serves a node:http request (also Express, Fastify's `request.raw`/`reply.raw`, Nest). `body`: an already-parsed or raw body, if a framework consumed the stream. */
  handleNode(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void>;
  /** Serves a web `Request` (Next.js route handlers, Hono, Bun, Deno, ...). */
  handleFetch(request: Request): Promise<Response>;
  /** Aborts running handlers and tasks; later requests get HTTP 503. */
  close(): Promise<void>;
  /** The endpoint path (`basePath` plus the secret segment, if any). */
  readonly endpointPath: string;
}

/**
 * The platform's secret for `createA2AHandler`'s `platformSecret` option: the secret itself, or a
 * function that returns the newest one the route knows (`undefined` while it knows none: the
 * request is refused `503` + `Retry-After`). After a bearer that does not match, the function is
 * called again with `refresh: true`, so a source that can ask the platform (a heartbeat answers the
 * secret) may pick up a rotated one before the request is refused.
 */
export type PlatformSecretSource =
  | string
  | ((refresh: boolean) => string | undefined | Promise<string | undefined>);
