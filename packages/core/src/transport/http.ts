// The HTTP transport: one undici dispatcher, per-call timeout + AbortSignal, the platform's headers,
// and the retry policy (the typed error of a request with no answer: request-errors.ts). It knows
// nothing about endpoints.
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { RUNTIME_NAME } from "../runtime/index.js";
import { normalizeBaseUrl, withQuery } from "./base-url.js";
import { freshPool, isOwnPool, type DispatcherLease } from "./dispatchers.js";
import { connectionBudgets } from "./budgets.js";
import { type ProxyInfo, proxySettings } from "./proxy.js";
import { answerPath } from "./path-failure.js";
import { pathAnswerError } from "./path-answer.js";
import { requestAbortable } from "./abortable.js";
import { onAbortOf } from "./abort-fanout.js";
import { RequestAbort, requestBuffered } from "./buffered.js";
import { chunksOf, requestChunked } from "./chunked.js";
import { readItems } from "./json-items.js";
import { DEFAULT_MAX_RESPONSE_BYTES, parseBody, readBodyText } from "./body.js";
import { abortedError, attemptError, notSentInTime } from "./request-errors.js";
import { MoleculeError, requireSupportedNode } from "./errors.js";
import type { Logger } from "./logger.js";
import { backoffDelay, sleep } from "./backoff.js";
import { isRetryableStatus, MAX_RETRIES, MAX_RETRY_DELAY_MS, parseRetryAfter } from "./retry.js";
import { isRateLimitRefusal, platformSecond } from "./rate-answers.js";
import { type RateBucket, rateBucketOf } from "./rate-budget.js";
import type { RatePriority, RatePromotion } from "./rate-priority.js";
import { rateClassOf, rateWaitOf, sendByOf } from "./rate-class.js";
import { tracePlatformRequest } from "../observability/index.js";
import { withTraceHeaders } from "./trace-headers.js";
import type { HttpResponse, HttpTransportOptions, RequestSpec } from "./http-types.js";

export type { HttpResponse, HttpTransportOptions, RequestSpec } from "./http-types.js";

/** Signals marked by {@link retriedByCaller}. */
const callerRetried = new WeakSet<AbortSignal>();

/**
 * Marks `signal`: every request sent with it is sent once, without the transport's own retries,
 * because its caller retries the call itself (an agent's start-up calls: one retry budget, not
 * the transport's retries nested inside each of the start's attempts). Returns `signal`.
 */
export function retriedByCaller(signal: AbortSignal): AbortSignal {
  callerRetried.add(signal);
  return signal;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * How many times a request the platform's rate limiter refused is sent again (each after the wait
 * the platform named): enough for a bucket shared by a busy fleet, bounded so a platform that
 * keeps refusing ends the call with a `rate_limited` error.
 */
const MAX_RATE_LIMIT_RETRIES = 5;

/**
 * The seconds a request keeps, at the least, between its turn of the rate budget and its deadline
 * (half its time when that is shorter): a turn later than that is refused, `rate_limited`, unsent.
 */
const SEND_ROOM_S = 5;

/** The default `User-Agent`. */
export const DEFAULT_USER_AGENT = `molecule-ai-agent-core/0.1.0 ${RUNTIME_NAME}`;

/**
 * Sends requests to the platform through one undici dispatcher. Adds `Authorization` (platform
 * only), `Origin`, `X-Molecule-Org-Id` and `User-Agent`; applies the timeout, the caller's
 * `AbortSignal` and the retry policy.
 */
export class HttpTransport {
  /** The platform origin (`scheme://host:port`). */
  readonly origin: string;
  /** Path prefix of the base URL (`""` when none). */
  readonly basePath: string;
  readonly #dispatcher: Dispatcher;
  readonly #liveness: Dispatcher;
  readonly #streams: Dispatcher;
  readonly #leases: DispatcherLease[];
  readonly #getToken: (() => string | undefined) | undefined;
  /** The org the requests name (`X-Molecule-Org-Id`), if any. */
  readonly orgId: string | undefined;
  /** The rate budget of the bucket last used, and the token it was chosen for. */
  #bucket: RateBucket | undefined;
  #bucketToken: string | undefined;
  readonly #baseHeaders: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #logger: Logger | undefined;
  readonly #random: () => number;
  readonly #maxBytes: number;
  /** The forward proxy plain-HTTP requests go through as absolute URIs (its 5xx is its own). */
  readonly #proxy: ProxyInfo | undefined;

  constructor(options: HttpTransportOptions) {
    requireSupportedNode();
    const url = normalizeBaseUrl(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, "");
    const budgets = connectionBudgets(options);
    const proxy =
      options.dispatcher === undefined && url.protocol === "http:"
        ? proxySettings(options.proxy).for(url)
        : undefined;
    this.#proxy = proxy && { shown: proxy.shown, from: proxy.from };
    this.#dispatcher = budgets.requests;
    this.#liveness = budgets.liveness;
    this.#streams = budgets.streams;
    this.#leases = budgets.leases;
    this.#getToken = options.getToken;
    this.orgId = options.orgId || undefined;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!(this.#maxBytes > 0)) {
      throw new MoleculeError("maxResponseBytes must be a positive number of bytes", {
        code: "invalid_argument",
      });
    }
    const headers: Record<string, string> = {
      "user-agent": options.userAgent ?? DEFAULT_USER_AGENT,
      accept: "application/json",
    };
    const origin = options.origin === undefined ? url.origin : options.origin;
    if (origin !== false && origin !== "") headers.origin = origin;
    if (options.orgId) headers["x-molecule-org-id"] = options.orgId;
    this.#baseHeaders = headers;
  }

  /** The dispatcher in use (shared with direct peer calls, which never carry platform headers). */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** The dispatcher of long-lived streams (a peer's SSE answer, like the platform's own streams). */
  get streamDispatcher(): Dispatcher {
    return this.#streams;
  }

  /** Default timeout in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Sends one request (with retries when allowed) and returns the final response: a success or the
   * platform's own error answer, whatever its status. Throws for connection failures, timeouts and
   * aborts, and for an answer the path gave instead of the platform ({@link judge}); a stream's
   * error answer is returned unread, for its reader to judge once it read its body.
   */
  send(spec: RequestSpec): Promise<HttpResponse> {
    const path = this.basePath + spec.path;
    return tracePlatformRequest(this.origin, spec.method, path, () => this.#send(spec));
  }

  /** The final answer to `spec`: judged here unless it is a stream's (its reader judges it). */
  #final(spec: RequestSpec, res: HttpResponse): HttpResponse {
    if (res.status >= 200 && res.status < 300) return res;
    if (spec.stream === undefined || spec.stream === false)
      this.judge(`${spec.method} ${spec.path}`, res);
    return res;
  }

  /**
   * Throws the typed error of `res` (the answer to `op`, `POST /registry/heartbeat`, its body read)
   * when the path gave it instead of the platform (`answerPath`: a front's redirect or page, a
   * proxy's 407 or 5xx).
   */
  judge(op: string, res: HttpResponse): void {
    if (res.status >= 200 && res.status < 300) return;
    const failure = answerPath(res, this.#proxy);
    if (failure === undefined) return;
    const token = this.#getToken?.();
    throw pathAnswerError(op, this.origin, res, failure, this.#proxy, token ? [token] : []);
  }

  async #send(spec: RequestSpec): Promise<HttpResponse> {
    const retry =
      (spec.retry ?? spec.method === "GET") && !(spec.signal && callerRetried.has(spec.signal));
    // The platform request's span (tracePlatformRequest) is active here: its trace context.
    const headers: Record<string, string> = withTraceHeaders({ ...this.#baseHeaders });
    if (spec.auth !== false) {
      const token = this.#getToken?.();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    let body: string | Uint8Array | undefined = spec.bodyText;
    if (body === undefined && spec.json !== undefined) body = JSON.stringify(spec.json);
    if (body !== undefined) headers["content-type"] = "application/json";
    else body = spec.bytes;
    if (spec.headers) Object.assign(headers, spec.headers);
    const path = this.basePath + withQuery(spec.path, spec.query);

    const bucket = this.#budget(headers.authorization);
    const byCaller = spec.signal !== undefined && callerRetried.has(spec.signal);
    // The class of its signal, with its promotion, unless the request names its own.
    const marked = spec.priority === undefined ? rateClassOf(spec.signal) : undefined;
    const priority = spec.priority ?? marked?.priority ?? (spec.liveness ? "liveness" : "request");
    const timeoutMs = spec.timeoutMs ?? this.#timeoutMs;
    const last = spec.deadline ?? Number.POSITIVE_INFINITY;
    const started = performance.now();
    let refusals = 0;
    for (let attempt = 0; ;) {
      // Each attempt's deadline covers its wait for the bucket's budget and for a connection
      // (with `turnWaitMs`, its wait for the budget has its own, and the deadline counts from it).
      let attemptAt = performance.now();
      let deadline = Math.min(attemptAt + timeoutMs, last);
      const turnBy =
        spec.turnWaitMs === undefined ? undefined : Math.min(attemptAt + spec.turnWaitMs, last);
      // Who asks (its bearer: one agent): a contended budget's turns go round the owners. A request
      // that moves up after a while (a read gathering what others bring) waits behind them all.
      const owner = marked?.promotion !== undefined ? "" : (headers.authorization ?? "");
      let window = bucket.take(priority, owner, spec.signal);
      if (window === undefined) {
        const by = { owner, turnBy };
        window = await this.#turn(bucket, priority, marked?.promotion, deadline, spec, started, by);
        if (turnBy !== undefined) {
          attemptAt = performance.now();
          deadline = Math.min(attemptAt + timeoutMs, last);
        }
      }
      if (spec.heartbeat) bucket.heartbeatSent(spec.heartbeat.key, spec.heartbeat.nextInMs);
      let res: HttpResponse;
      try {
        const ms = Math.round(deadline - attemptAt);
        res = await this.#once(spec, path, headers, body, { deadline, ms, started });
      } catch (err) {
        if (
          retry &&
          attempt < MAX_RETRIES &&
          err instanceof MoleculeError &&
          err.code === "connection_failed" &&
          err.retryable
        ) {
          attempt++;
          const delay = this.#backoff(attempt);
          if (performance.now() + delay >= last) throw err;
          this.#logger?.debug?.(
            `${spec.method} ${spec.path} connection failed; retrying in ${delay} ms`,
          );
          await this.#wait(delay, spec, started);
          continue;
        }
        throw err;
      }
      bucket.observe(res.status, res.headers, res.body, window);
      if (res.status === 429 && !byCaller && isRateLimitRefusal(429, res.headers, res.body)) {
        // Refused before it was handled, so safe to send again whatever the method: the bucket
        // now waits what the platform said (the next turn).
        if (refusals++ < MAX_RATE_LIMIT_RETRIES) {
          this.#logger?.debug?.(
            `${spec.method} ${spec.path} -> 429; sent again when the platform says`,
          );
          dropBody(res);
          continue;
        }
        return this.#final(spec, res);
      }
      if (!retry || attempt >= MAX_RETRIES || !isRetryableStatus(res.status))
        return this.#final(spec, res);
      attempt++;
      // `Retry-After: 0` from the platform means "at the next second", never "at once".
      const after = parseRetryAfter(res.headers["retry-after"]);
      const delay =
        after === undefined ? this.#backoff(attempt) : Math.max(after, platformSecond.ms);
      if (performance.now() + delay >= last) return this.#final(spec, res);
      this.#logger?.debug?.(
        `${spec.method} ${spec.path} -> ${res.status}; retry ${attempt}/${MAX_RETRIES} in ${delay} ms`,
      );
      dropBody(res);
      await this.#wait(delay, spec, started);
    }
  }

  /**
   * Waits for the request's turn of the bucket's budget until `deadline`: the window it goes in.
   * No turn in time: `rate_limited` (nothing was sent); the signal aborted: its error.
   */
  async #turn(
    bucket: RateBucket,
    priority: RatePriority,
    promotion: RatePromotion | undefined,
    deadline: number,
    spec: RequestSpec,
    started: number,
    /**
     * Who asks (its bearer): the bucket's turns go round the owners of one class; and the time its
     * turn may come by, when the request has one of its own (`turnWaitMs`).
     */
    asker: { owner: string; turnBy: number | undefined },
  ): Promise<number> {
    const signal = spec.signal;
    if (signal?.aborted) throw abortedError(spec, started, true);
    this.#logger?.debug?.(`${spec.method} ${spec.path} waits for the rate limit`);
    rateWaitOf(signal)?.();
    // A turn must leave the request time to be answered: one that would be sent only to be
    // aborted a moment later is refused unsent instead.
    const room = Math.min(SEND_ROOM_S * platformSecond.ms, (deadline - performance.now()) / 2);
    const by = Math.min(asker.turnBy ?? deadline - room, sendByOf(signal) ?? Infinity);
    const turn = await bucket.wait(priority, by, signal, promotion, asker.owner);
    if ("window" in turn) return turn.window;
    if (signal?.aborted) throw abortedError(spec, started, true, turn.retryAfterMs);
    throw notSentInTime(spec, performance.now() - started, turn.retryAfterMs);
  }

  /** The rate budget of the platform bucket a request with `authorization` falls in. */
  #budget(authorization: string | undefined): RateBucket {
    if (
      this.#bucket !== undefined &&
      (this.orgId !== undefined || authorization === this.#bucketToken)
    )
      return this.#bucket;
    this.#bucketToken = authorization;
    return (this.#bucket = rateBucketOf(this.origin, this.orgId, authorization));
  }

  /** The wait before retry `attempt`: 1 s, 2 s, 4 s ± 25 %. */
  #backoff(attempt: number): number {
    return backoffDelay(attempt, 1_000, MAX_RETRY_DELAY_MS, this.#random);
  }

  /** Waits before a retry; an abort rejects with its error (see {@link RequestSpec.signal}). */
  async #wait(ms: number, spec: RequestSpec, started: number): Promise<void> {
    await sleep(ms, spec.signal);
    if (spec.signal?.aborted) throw abortedError(spec, started, false);
  }

  async #once(
    spec: RequestSpec,
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    attempt: { deadline: number; ms: number; started: number },
  ): Promise<HttpResponse> {
    const userSignal = spec.signal;
    if (userSignal?.aborted) throw abortedError(spec, attempt.started, false);
    const timeoutMs = attempt.ms;
    // One listener slot, not an AbortController (nor an EventEmitter, unless undici is handed it)
    // on the hot path; the caller's AbortSignal is bridged to it only when given.
    const abort = new RequestAbort();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        abort.emit();
      },
      Math.max(1, attempt.deadline - performance.now()),
    );
    const release = userSignal ? onAbortOf(userSignal, () => abort.emit()) : undefined;
    let streaming = false;
    const debug = this.#logger?.debug;
    const started = debug ? performance.now() : 0;
    try {
      const max = spec.maxBytes ?? this.#maxBytes;
      const opts = { origin: this.origin, path, method: spec.method, headers, body: body ?? null };
      let res: { statusCode: number; headers: IncomingHttpHeaders; text: string; body?: unknown };
      const unlimited = spec.stream || (spec.held && isOwnPool(this.#dispatcher));
      const pooled = unlimited ? this.#streams : spec.liveness ? this.#liveness : this.#dispatcher;
      const d = spec.fresh ? (freshPool(pooled) ?? pooled) : pooled;
      if (!spec.stream && isOwnPool(d)) {
        res = await requestBuffered(d, opts, max, abort, spec.items);
      } else if (spec.stream === "chunks" && isOwnPool(d)) {
        const r = await requestChunked(d, opts, abort.emitter());
        return { status: r.statusCode, headers: r.headers, body: undefined, chunks: r.body };
      } else {
        const r = await requestAbortable(d, opts, abort.emitter());
        if (spec.stream === "chunks") {
          return {
            status: r.statusCode,
            headers: r.headers,
            body: undefined,
            chunks: chunksOf(r.body),
          };
        }
        if (spec.stream) {
          clearTimeout(timer);
          streaming = true; // keep the caller's signal bridged: aborting it cancels the body
          return { status: r.statusCode, headers: r.headers, body: undefined, stream: r.body };
        }
        if (spec.items && r.statusCode >= 200 && r.statusCode < 300) {
          const body = await readItems(r.body, spec.items, max);
          res = { statusCode: r.statusCode, headers: r.headers, text: "", body };
        } else {
          const text = await readBodyText(r.body, max, r.headers["content-length"]);
          res = { statusCode: r.statusCode, headers: r.headers, text };
        }
      }
      if (debug) {
        this.#logger?.debug?.(
          `${spec.method} ${spec.path} -> ${res.statusCode} in ${Math.round(performance.now() - started)} ms`,
        );
      }
      const parsed = "body" in res ? res.body : parseBody(res.text);
      return { status: res.statusCode, headers: res.headers, body: parsed };
    } catch (err) {
      if (userSignal?.aborted) throw abortedError(spec, attempt.started, false);
      throw attemptError(spec, this.origin, err, { timedOut, timeoutMs });
    } finally {
      clearTimeout(timer);
      if (!streaming) release?.();
    }
  }

  /** Returns the shared pools this transport holds (the last user closes each); never closes yours. */
  async close(): Promise<void> {
    const leases = this.#leases.splice(0);
    await Promise.all(leases.map(async (l) => await l.release()));
  }
}

/**
 * Closes the unread body of an answer that is sent again (a streamed request's 429 or 5xx), so its
 * connection is not held open with the answer in it.
 */
function dropBody(res: HttpResponse): void {
  res.stream?.on("error", () => undefined).destroy();
  res.chunks?.close();
}
