// The shapes of the HTTP transport (http.ts): its options, a request's spec and a response.
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { ProxyOption } from "./proxy.js";
import type { ChunkedBody } from "./chunked.js";
import type { JsonItems } from "./json-items.js";
import type { Logger } from "./logger.js";
import type { RatePriority } from "./rate-priority.js";

/** HTTP methods the transport sends. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** The platform's base URL (`http(s)://host[:port][/prefix]`). */
  baseUrl: string;
  /** Returns the bearer token to send, if any. Called per request; only used for the platform. */
  getToken?: () => string | undefined;
  /** Sent as `X-Molecule-Org-Id` when set. */
  orgId?: string | undefined;
  /** `Origin` header: default the base URL's origin; `false` sends none. */
  origin?: string | false | undefined;
  /**
   * An undici dispatcher (proxy agent, mock agent). Default: a keep-alive pool shared by every
   * transport of the process that brings none.
   */
  dispatcher?: Dispatcher | undefined;
  /**
   * The dispatcher of liveness requests (`liveness: true`: heartbeats, state checks), kept apart
   * from `dispatcher` so no other request, however long it holds its connection (a peer call
   * through the platform proxy), can delay a heartbeat. Default: derived from `dispatcher` (an
   * undici `Agent` with a connection limit: a sibling with its settings and limit; none given: a
   * process-wide pool; an `Agent` without a limit is used as is: it never makes a request wait for
   * a slot); for other dispatchers, pass one here, or liveness shares `dispatcher`'s slots (a
   * warning is logged).
   */
  livenessDispatcher?: Dispatcher | undefined;
  /**
   * The dispatcher of long-lived streams (`stream: true` requests), kept apart from `dispatcher`
   * so an open stream never takes a connection slot a heartbeat needs. Default: derived from
   * `dispatcher` (an undici `Agent`: a sibling with its settings and no connection limit; none
   * given: a shared process-wide pool); for other dispatchers (a proxy agent), pass one here, or
   * streams share `dispatcher`'s slots (a warning is logged).
   */
  streamDispatcher?: Dispatcher | undefined;
  /** The proxy of the SDK's own pools (a URL, or `false`); default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy?: ProxyOption | undefined;
  /**
   * Default timeout of each attempt in milliseconds (default 30 000), its wait for the rate budget
   * and for a connection slot included; retries get a fresh one.
   */
  timeoutMs?: number | undefined;
  /** `User-Agent` header. */
  userAgent?: string | undefined;
  /** Where debug lines go. */
  logger?: Logger | undefined;
  /** Jitter source for the backoff (tests). */
  random?: () => number;
  /**
   * Largest response body read into memory, in bytes (default {@link DEFAULT_MAX_RESPONSE_BYTES});
   * a longer body is cut off and the call fails with code `response_too_large`.
   */
  maxResponseBytes?: number | undefined;
}

/** One request. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path below the base URL, starting with `/`, segments already encoded. */
  path: string;
  /** Query parameters; `undefined` values are omitted. */
  query?: Record<string, string | number | undefined> | undefined;
  /** A JSON body (serialised here) ... */
  json?: unknown;
  /** ... or a pre-serialised JSON body ... */
  bodyText?: string | undefined;
  /** ... or raw bytes, sent with `headers["content-type"]` (multipart uploads). */
  bytes?: Uint8Array | undefined;
  /** Extra headers, e.g. `x-workspace-id`. */
  headers?: Record<string, string> | undefined;
  /** Send the bearer token (default true). */
  auth?: boolean | undefined;
  /**
   * Ends the call: it then rejects with a `MoleculeError` (`rate_limited` while it waited for the
   * rate budget, `timeout` for an `AbortSignal.timeout`, else `aborted`, or the signal's reason
   * when that is a `MoleculeError`).
   */
  signal?: AbortSignal | undefined;
  /**
   * Timeout of each attempt (not of the whole call with its retries), its wait for the rate budget
   * and for a connection slot included; default: the transport's. An attempt that gets no turn of
   * the budget in time fails with `rate_limited` (`retryAfterMs`: how long it would still have
   * waited; nothing was sent), one that gets no answer in time with `timeout`.
   */
  timeoutMs?: number | undefined;
  /**
   * The call's overall deadline (`performance.now()` ms): no attempt, retry or wait goes past it.
   */
  deadline?: number | undefined;
  /**
   * How long it may wait for its turn of a spent rate budget when that is longer than `timeoutMs`
   * (an answer keeps its place rather than give it up and ask again): `timeoutMs` then counts from
   * its turn.
   */
  turnWaitMs?: number | undefined;
  /**
   * Retry 429 / 502 / 503 / connection errors. Default: only for GET, and never for a `signal`
   * marked by {@link retriedByCaller}. Whatever this says, a request the platform's rate limiter
   * refused (it was not handled) is sent again when the platform says, up to
   * {@link MAX_RATE_LIMIT_RETRIES} times, unless its signal is marked by {@link retriedByCaller}.
   */
  retry?: boolean | undefined;
  /** A liveness request (heartbeat, state check): sent through the liveness budget. */
  liveness?: boolean | undefined;
  /**
   * Its place among requests waiting for the rate budget (see {@link RatePriority}); default
   * `"liveness"` for a liveness request, else `"request"`.
   */
  priority?: RatePriority | undefined;
  /**
   * A heartbeat of workspace `key` whose next one is due `nextInMs` after it: the rate budget
   * keeps room for that one in the window (see `RateBucket#heartbeatSent`).
   */
  heartbeat?: { key: string; nextInMs: number } | undefined;
  /**
   * Held until a peer answers (a peer call through the platform's A2A proxy: minutes for an LLM
   * agent). On the SDK's own pool it goes through the stream pool, which has no connection limit:
   * held calls never take the request pool's slots, so an agent's poll and replies never wait
   * behind them (peers in one process answering each other would deadlock).
   */
  held?: boolean | undefined;
  /**
   * Return the body stream unread (the timeout then covers only the response headers); `"chunks"`:
   * as a {@link ChunkedBody} (no Readable; the signal then covers only the headers: close the body).
   */
  stream?: boolean | "chunks" | undefined;
  /**
   * Read a 2xx JSON array body item by item into this (`body` is then its items, see
   * `JsonItems`): each item parsed as it arrives, the body cut once the items fill its budget.
   */
  items?: JsonItems | undefined;
  /** Largest body read for this request, in bytes (default: the transport's `maxResponseBytes`). */
  maxBytes?: number | undefined;
  /** Send it on a new connection, in a pool of its own closed after it (see fresh-retry.ts). */
  fresh?: boolean | undefined;
}

/** A response: status, headers and the parsed body (JSON, text, or `undefined` when empty). */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The unread body stream (only with `stream: true`). */
  stream?: Readable;
  /** The unread body (only with `stream: "chunks"`). */
  chunks?: ChunkedBody;
}
