// The A2A JSON-RPC push endpoint: v0.3 (`message/send`, `message/stream`, `tasks/get`,
// `tasks/cancel`) and v1.0 (`SendMessage`, `SendStreamingMessage`, `GetTask`, `CancelTask`), the
// hybrid agent card, and the transport checks (path secret, content type, body size, nesting).
// One transport-neutral core (`A2AEndpoint`) with node:http and web-fetch adapters.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { buildAgentCard } from "../card.js";
import type { AgentCard, A2AMessage, A2ATask } from "../types.js";
import {
  exceedsJsonDepth,
  exceedsValueDepth,
  isJsonContentType,
  readNodeBody,
  readWebBody,
  TOO_LARGE,
} from "./body.js";
import {
  messageToV1,
  normalizeAgentMessage,
  normalizeAgentTask,
  normalizeMessage,
  ShapeError,
  statusToV1,
  artifactToV1,
  taskToV1,
  TERMINAL_STATES,
} from "./convert.js";
import { A2AErrorCode, A2ARpcError } from "./errors.js";
import { assertPathSecret, SecretMatcher } from "./secret.js";
import { TaskStore, type TaskEntry } from "./store.js";

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
  /** The conversation id: the caller's `contextId`, or a fresh one. */
  readonly contextId: string;
  /** The task id, when the server created a task before calling the handler (streaming, non-blocking). */
  readonly taskId: string | undefined;
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
  /** The agent card; served as a v0.3/v1.0 hybrid at `<endpoint>/.well-known/agent-card.json` (and `agent.json`). */
  agentCard: AgentCard;
  /** Handles one inbound message; `message` is normalised to v0.3 (`kind` on parts, `role` defaulted to `"user"`). */
  onMessage: (
    message: A2AMessage,
    ctx: A2AHandlerContext,
  ) => A2AHandlerResult | Promise<A2AHandlerResult>;
  /** Path of the JSON-RPC endpoint (default `"/"`). */
  basePath?: string;
  /**
   * When set, the endpoint is `<basePath>/<pathSecret>` and the card is served only below it; any
   * other path gets 404. Compared in constant time. Use {@link generatePathSecret}.
   */
  pathSecret?: string;
  /** Request body limit in bytes (default 1 MiB); larger bodies get HTTP 413. */
  maxBodyBytes?: number;
  /** Maximum JSON nesting depth of a request (default 64). */
  maxDepth?: number;
  /**
   * Public URL of `basePath` (scheme, host, port, path prefix), when the server sits behind a proxy;
   * the path secret is appended. Default: derived from each request's `Host`.
   */
  publicUrl?: string;
  /** Answer `message/stream` / `SendStreamingMessage` and advertise `capabilities.streaming` (default false). */
  streaming?: boolean;
  /**
   * How a string returned by `onMessage` is sent to a blocking `message/send` caller: `"message"`
   * (default: an agent Message with a text part, which every Molecule client and the platform's
   * text extraction read from `result.parts`) or `"task"` (a completed Task with one text artifact,
   * retrievable with `tasks/get`).
   */
  textResult?: "message" | "task";
  /** How many tasks `tasks/get` / `tasks/cancel` remember (LRU, default 1000). */
  maxTasks?: number;
  /** Called with every exception thrown by `onMessage` (the caller only sees `-32603 Internal error`). */
  onError?: (error: unknown, info: { method: string; requestId: string | number | null }) => void;
}

/** The push endpoint, mountable on any HTTP stack. */
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

type Id = string | number | null;
type Obj = Record<string, unknown>;

/** A transport-neutral answer. */
type Outcome =
  | { status: number; body: string; headers?: Record<string, string> }
  | { status: 200; stream: AsyncGenerator<string, void, undefined>; scope: Scope };

const JSON_HEADERS = { "content-type": "application/json" } as const;
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;
const CARD_SUFFIXES = ["/.well-known/agent-card.json", "/.well-known/agent.json"];
const PUSH_CONFIG_METHODS = new Set([
  "tasks/pushNotificationConfig/set",
  "tasks/pushNotificationConfig/get",
  "tasks/pushNotificationConfig/list",
  "tasks/pushNotificationConfig/delete",
  "CreateTaskPushNotificationConfig",
  "GetTaskPushNotificationConfig",
  "ListTaskPushNotificationConfigs",
  "DeleteTaskPushNotificationConfig",
]);
const UNSUPPORTED_METHODS = new Set(["tasks/resubscribe", "SubscribeToTask", "ListTasks"]);
const CARD_METHODS = new Set(["agent/getAuthenticatedExtendedCard", "GetExtendedAgentCard"]);

/** Cancellation scope of one request or task; the AbortController is created only when asked for. */
class Scope {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;
  #attach: ((scope: Scope) => void) | undefined;

  /** `attach` runs once, when the signal is first requested (e.g. to watch for a disconnect). */
  constructor(attach?: (scope: Scope) => void) {
    this.#attach = attach;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
      const attach = this.#attach;
      this.#attach = undefined;
      attach?.(this);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * The three request headers the endpoint reads, scanned from `rawHeaders` (cheaper than building
 * node's `req.headers` object on every request).
 */
function readHeaders(req: IncomingMessage): {
  contentType: string | undefined;
  contentLength: string | undefined;
  version: string | undefined;
} {
  const out = {
    contentType: undefined as string | undefined,
    contentLength: undefined as string | undefined,
    version: undefined as string | undefined,
  };
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) {
    const h = req.headers;
    const v = h["a2a-version"];
    out.contentType = h["content-type"];
    out.contentLength = h["content-length"];
    out.version = Array.isArray(v) ? v[0] : v;
    return out;
  }
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const n = name.length;
    if (n === 12 && out.contentType === undefined && name.toLowerCase() === "content-type") {
      out.contentType = raw[i + 1];
    } else if (
      n === 14 &&
      out.contentLength === undefined &&
      name.toLowerCase() === "content-length"
    ) {
      out.contentLength = raw[i + 1];
    } else if (n === 11 && out.version === undefined && name.toLowerCase() === "a2a-version") {
      out.version = raw[i + 1];
    }
  }
  return out;
}

/** The `ctx` passed to `onMessage` (a class, so the lazy `signal` getter lives on the prototype). */
class HandlerContext implements A2AHandlerContext {
  readonly #scope: Scope;
  readonly method: string;
  readonly requestId: Id;
  readonly version: "0.3" | "1.0";
  readonly contextId: string;
  readonly taskId: string | undefined;

  constructor(
    scope: Scope,
    method: string,
    requestId: Id,
    version: "0.3" | "1.0",
    contextId: string,
    taskId: string | undefined,
  ) {
    this.#scope = scope;
    this.method = method;
    this.requestId = requestId;
    this.version = version;
    this.contextId = contextId;
    this.taskId = taskId;
  }

  get signal(): AbortSignal {
    return this.#scope.signal;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === "function";
}

function rpcResult(id: Id, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}`;
}

function rpcError(id: Id, code: number, message: string, data?: unknown): Outcome {
  const error: Obj = { code, message };
  if (data !== undefined) error["data"] = data;
  return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id, error }) };
}

function httpError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): Outcome {
  const out: Outcome = {
    status,
    body: JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } }),
  };
  if (headers !== undefined) out.headers = headers;
  return out;
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

function normalizePath(path: string): string {
  let p = path.startsWith("/") ? path : `/${path}`;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

function now(): string {
  return new Date().toISOString();
}

const RESOLVED: Promise<void> = Promise.resolve();
const CANCELED = new Error("task canceled");
const DISCONNECTED = new Error("caller disconnected");
const CLOSED = new Error("A2A handler closed");

/**
 * Creates the A2A push endpoint. Serves JSON-RPC POSTs on `basePath` (plus `/<pathSecret>` when
 * set) and the hybrid agent card on `GET <endpoint>/.well-known/agent-card.json` (and `agent.json`).
 *
 * @example
 * const a2a = createA2AHandler({ agentCard: { name: "echo" }, pathSecret: generatePathSecret(),
 *   onMessage: (m) => m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("") });
 * http.createServer((req, res) => void a2a.handleNode(req, res)).listen(8080);
 */
export function createA2AHandler(options: A2AHandlerOptions): A2AHandler {
  return new A2AEndpoint(options);
}

class A2AEndpoint implements A2AHandler {
  readonly endpointPath: string;
  readonly #opts: A2AHandlerOptions;
  readonly #onMessage: A2AHandlerOptions["onMessage"];
  readonly #prefix: string; // basePath without trailing slash ("" for "/")
  readonly #secret: SecretMatcher | undefined;
  readonly #secretSegment: string;
  readonly #maxBody: number;
  readonly #maxDepth: number;
  readonly #streaming: boolean;
  readonly #textAsTask: boolean;
  readonly #tasks: TaskStore;
  readonly #inflight = new Set<Scope>();
  readonly #fixedCard: string | undefined;
  readonly #cards = new Map<string, string>();
  #closed = false;

  constructor(options: A2AHandlerOptions) {
    if (typeof options?.onMessage !== "function") {
      throw new TypeError("createA2AHandler: onMessage must be a function");
    }
    // Validates the card early (throws on a missing name).
    buildAgentCard(options.agentCard, { url: "http://localhost/" });
    this.#opts = options;
    this.#onMessage = options.onMessage;
    const base = normalizePath(options.basePath ?? "/");
    this.#prefix = base === "/" ? "" : base;
    if (options.pathSecret !== undefined) {
      assertPathSecret(options.pathSecret);
      this.#secret = new SecretMatcher(options.pathSecret);
      this.#secretSegment = `/${options.pathSecret}`;
    } else {
      this.#secretSegment = "";
    }
    this.endpointPath = this.#prefix + this.#secretSegment || "/";
    this.#maxBody = options.maxBodyBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(this.#maxBody) || this.#maxBody <= 0) {
      throw new TypeError("maxBodyBytes must be a positive integer");
    }
    this.#maxDepth = options.maxDepth ?? 64;
    this.#streaming = options.streaming === true;
    this.#textAsTask = options.textResult === "task";
    this.#tasks = new TaskStore(options.maxTasks ?? 1000);
    if (options.publicUrl !== undefined) {
      const u = new URL(options.publicUrl);
      const url = u.origin + normalizePath(u.pathname).replace(/^\/$/, "") + this.#secretSegment;
      this.#fixedCard = this.#cardJson(url || "/");
    }
  }

  #cardJson(url: string): string {
    return JSON.stringify(
      buildAgentCard(this.#opts.agentCard, { url, streaming: this.#streaming }),
    );
  }

  #cardFor(origin: string): string {
    if (this.#fixedCard !== undefined) return this.#fixedCard;
    let card = this.#cards.get(origin);
    if (card === undefined) {
      card = this.#cardJson(origin + this.endpointPath);
      if (this.#cards.size >= 16) this.#cards.clear();
      this.#cards.set(origin, card);
    }
    return card;
  }

  /** Classifies a path: the JSON-RPC endpoint, the card, or nothing (404). */
  #route(rawPath: string): "rpc" | "card" | undefined {
    const q = rawPath.indexOf("?");
    let path = q === -1 ? rawPath : rawPath.slice(0, q);
    if (path.length > 1 && path.endsWith("/")) path = normalizePath(path);
    const prefix = this.#prefix;
    if (this.#secret === undefined) {
      if (path === (prefix || "/")) return "rpc";
      for (const s of CARD_SUFFIXES) if (path === prefix + s || path === s) return "card";
      return undefined;
    }
    if (!path.startsWith(`${prefix}/`)) return undefined;
    const rest = path.slice(prefix.length + 1);
    const slash = rest.indexOf("/");
    const segment = slash === -1 ? rest : rest.slice(0, slash);
    const suffix = slash === -1 ? "" : rest.slice(slash);
    let kind: "rpc" | "card" | undefined;
    if (suffix === "") kind = "rpc";
    else if (suffix === CARD_SUFFIXES[0] || suffix === CARD_SUFFIXES[1]) kind = "card";
    if (kind === undefined) return undefined;
    return this.#secret.matches(segment) ? kind : undefined;
  }

  /** Transport checks shared by both adapters; undefined when the POST may proceed. */
  #precheck(
    httpMethod: string,
    route: "rpc" | "card" | undefined,
    contentType: string | null | undefined,
    contentLength: string | null | undefined,
  ): Outcome | undefined {
    if (route === undefined) return httpError(404, A2AErrorCode.InvalidRequest, "Not found");
    if (route === "card") {
      if (httpMethod === "GET" || httpMethod === "HEAD") return undefined;
      return httpError(405, A2AErrorCode.InvalidRequest, "Method not allowed; use GET", {
        allow: "GET, HEAD",
      });
    }
    if (httpMethod !== "POST") {
      return httpError(405, A2AErrorCode.InvalidRequest, "Method not allowed; use POST", {
        allow: "POST",
      });
    }
    if (this.#closed) return httpError(503, A2AErrorCode.InternalError, "Server is shutting down");
    if (!isJsonContentType(contentType)) {
      return httpError(
        415,
        A2AErrorCode.InvalidRequest,
        "Unsupported Content-Type; send the JSON-RPC request as application/json",
      );
    }
    if (contentLength != null && Number(contentLength) > this.#maxBody) return this.#tooLarge();
    return undefined;
  }

  #tooLarge(): Outcome {
    return httpError(
      413,
      A2AErrorCode.InvalidRequest,
      `Request body exceeds the ${this.#maxBody}-byte limit`,
      { connection: "close" },
    );
  }

  #cardOutcome(origin: string): Outcome {
    return {
      status: 200,
      body: this.#cardFor(origin),
      headers: {
        "cache-control": this.#secret === undefined ? "public, max-age=300" : "no-store",
      },
    };
  }

  // ------------------------------------------------------------------ adapters

  handleNode(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    try {
      const route = this.#route(req.url ?? "/");
      const method = req.method ?? "GET";
      const headers = readHeaders(req);
      const pre = this.#precheck(method, route, headers.contentType, headers.contentLength);
      if (pre !== undefined) return this.#writeNode(req, res, pre, method);
      if (route === "card") {
        const proto = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
        return this.#writeNode(
          req,
          res,
          this.#cardOutcome(`${proto}://${req.headers.host ?? "localhost"}`),
          method,
        );
      }
      const version = headers.version;
      if (body !== undefined) return this.#nodeRpc(req, res, body, version);
      if (req.readableEnded) {
        const parsed = (req as { body?: unknown }).body;
        if (parsed === undefined) {
          return this.#writeNode(
            req,
            res,
            httpError(
              500,
              A2AErrorCode.InternalError,
              "The request body was consumed by another middleware; pass it to handleNode(req, res, body)",
            ),
            method,
          );
        }
        return this.#nodeRpc(req, res, parsed, version);
      }
      return new Promise<void>((resolve) => {
        readNodeBody(req, this.#maxBody, (text) => {
          let done: Promise<void>;
          if (text === undefined) {
            done = this.#writeNode(
              req,
              res,
              httpError(400, A2AErrorCode.InvalidRequest, "Could not read the request body"),
              "POST",
            );
          } else if (text === TOO_LARGE) {
            done = this.#writeNode(req, res, this.#tooLarge(), "POST");
          } else {
            done = this.#nodeRpc(req, res, text, version);
          }
          resolve(done);
        });
      });
    } catch (err) {
      return this.#nodeFailure(res, err);
    }
  }

  #nodeFailure(res: ServerResponse, err: unknown): Promise<void> {
    this.#report(err, "(transport)", null);
    if (!res.headersSent && !res.destroyed) {
      const body = '{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}}';
      res.writeHead(500, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    } else {
      res.destroy();
    }
    return RESOLVED;
  }

  #writeNode(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Outcome,
    method: string,
  ): Promise<void> {
    if ("stream" in outcome) {
      return this.#writeNodeStream(res, outcome).catch((err: unknown) => {
        this.#report(err, "(stream)", null);
        res.destroy();
      });
    }
    if (res.headersSent || res.destroyed) return RESOLVED;
    try {
      const length = Buffer.byteLength(outcome.body);
      res.writeHead(
        outcome.status,
        outcome.headers === undefined
          ? { "content-type": "application/json", "content-length": length }
          : { ...JSON_HEADERS, ...outcome.headers, "content-length": length },
      );
      res.end(method === "HEAD" ? undefined : outcome.body);
      if (outcome.status === 413) res.once("finish", () => req.destroy());
    } catch (err) {
      this.#report(err, "(transport)", null);
      res.destroy();
    }
    return RESOLVED;
  }

  #nodeRpc(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    version: string | undefined,
  ): Promise<void> {
    let input = body;
    if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
      if (input.byteLength > this.#maxBody)
        return this.#writeNode(req, res, this.#tooLarge(), "POST");
      input = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
    } else if (
      typeof input === "string" &&
      input.length > this.#maxBody / 3 &&
      Buffer.byteLength(input) > this.#maxBody
    ) {
      return this.#writeNode(req, res, this.#tooLarge(), "POST");
    }
    // The disconnect watch is attached only if the handler (or a stream) asks for the signal.
    const scope = new Scope((s) => {
      if (res.destroyed && !res.writableFinished) s.abort(DISCONNECTED);
      else res.once("close", () => res.writableFinished || s.abort(DISCONNECTED));
    });
    this.#inflight.add(scope);
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.#rpc(input, version, scope);
    } catch (err) {
      this.#inflight.delete(scope);
      return this.#nodeFailure(res, err);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (o) => {
          if (!("stream" in o)) this.#inflight.delete(scope);
          return this.#writeNode(req, res, o, "POST");
        },
        (err: unknown) => {
          this.#inflight.delete(scope);
          return this.#nodeFailure(res, err);
        },
      );
    }
    if (!("stream" in outcome)) this.#inflight.delete(scope);
    return this.#writeNode(req, res, outcome, "POST");
  }

  async #writeNodeStream(
    res: ServerResponse,
    outcome: Outcome & { stream: unknown },
  ): Promise<void> {
    const { stream, scope } = outcome as { stream: AsyncGenerator<string>; scope: Scope };
    void scope.signal; // attaches the disconnect watch
    try {
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
      for await (const frame of stream) {
        if (res.destroyed) break;
        if (!res.write(frame)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              res.off("drain", done);
              res.off("close", done);
              resolve();
            };
            res.on("drain", done);
            res.on("close", done);
          });
        }
      }
    } finally {
      this.#inflight.delete(scope);
      await stream.return(undefined).catch(() => undefined);
      if (!res.destroyed) res.end();
    }
  }

  async handleFetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const route = this.#route(url.pathname);
    const method = request.method;
    let outcome = this.#precheck(
      method,
      route,
      request.headers.get("content-type"),
      request.headers.get("content-length"),
    );
    if (outcome === undefined) {
      if (route === "card") {
        outcome = this.#cardOutcome(url.origin);
      } else {
        const text = await readWebBody(request.body, this.#maxBody).catch(() => undefined);
        if (text === undefined) {
          outcome = httpError(400, A2AErrorCode.InvalidRequest, "Could not read the request body");
        } else if (text === TOO_LARGE) {
          outcome = this.#tooLarge();
        } else {
          const scope = new Scope();
          const onAbort = (): void => scope.abort(DISCONNECTED);
          request.signal?.addEventListener("abort", onAbort, { once: true });
          this.#inflight.add(scope);
          try {
            outcome = await this.#rpc(text, request.headers.get("a2a-version") ?? undefined, scope);
          } catch (err) {
            this.#report(err, "(transport)", null);
            outcome = httpError(500, A2AErrorCode.InternalError, "Internal error");
          }
          if ("stream" in outcome) return this.#fetchStream(outcome, scope);
          this.#inflight.delete(scope);
          request.signal?.removeEventListener("abort", onAbort);
        }
      }
    }
    if ("stream" in outcome) return this.#fetchStream(outcome, outcome.scope);
    const headers: Record<string, string> = { ...JSON_HEADERS, ...outcome.headers };
    return new Response(method === "HEAD" ? null : outcome.body, {
      status: outcome.status,
      headers,
    });
  }

  #fetchStream(outcome: Outcome & { stream: unknown }, scope: Scope): Response {
    const gen = (outcome as { stream: AsyncGenerator<string> }).stream;
    const encoder = new TextEncoder();
    const finish = (): void => {
      this.#inflight.delete(scope);
    };
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const next = await gen.next();
          if (next.done) {
            finish();
            controller.close();
          } else {
            controller.enqueue(encoder.encode(next.value));
          }
        } catch (err) {
          finish();
          controller.error(err);
        }
      },
      cancel: async () => {
        scope.abort(DISCONNECTED);
        finish();
        await gen.return(undefined).catch(() => undefined);
      },
    });
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const scope of this.#inflight) scope.abort(CLOSED);
    this.#inflight.clear();
    this.#tasks.clear(CLOSED);
  }

  // ------------------------------------------------------------------ JSON-RPC core

  /** The JSON-RPC core; synchronous unless the handler (or a task) is asynchronous. */
  #rpc(
    input: unknown,
    versionHeader: string | string[] | undefined,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    let req: unknown;
    if (typeof input === "string") {
      if (exceedsJsonDepth(input, this.#maxDepth)) {
        return rpcError(
          null,
          A2AErrorCode.InvalidRequest,
          `JSON nesting exceeds ${this.#maxDepth} levels`,
        );
      }
      try {
        req = JSON.parse(input);
      } catch {
        return rpcError(null, A2AErrorCode.ParseError, "Parse error: the body is not valid JSON");
      }
    } else {
      if (exceedsValueDepth(input, this.#maxDepth)) {
        return rpcError(
          null,
          A2AErrorCode.InvalidRequest,
          `JSON nesting exceeds ${this.#maxDepth} levels`,
        );
      }
      req = input;
    }
    if (!isObj(req)) {
      return rpcError(
        null,
        A2AErrorCode.InvalidRequest,
        Array.isArray(req)
          ? "Batch requests are not supported; send one JSON-RPC request per POST"
          : "Invalid Request: expected a JSON-RPC 2.0 request object",
      );
    }
    const rawId = req["id"];
    if (
      rawId !== undefined &&
      rawId !== null &&
      typeof rawId !== "string" &&
      typeof rawId !== "number"
    ) {
      return rpcError(
        null,
        A2AErrorCode.InvalidRequest,
        "Invalid Request: id must be a string, number or null",
      );
    }
    const id: Id = rawId ?? null;
    if (req["jsonrpc"] !== "2.0") {
      return rpcError(id, A2AErrorCode.InvalidRequest, 'Invalid Request: jsonrpc must be "2.0"');
    }
    const method = req["method"];
    if (typeof method !== "string") {
      return rpcError(id, A2AErrorCode.InvalidRequest, "Invalid Request: method must be a string");
    }
    const version = Array.isArray(versionHeader) ? versionHeader[0] : versionHeader;
    if (
      version !== undefined &&
      version !== "" &&
      version !== "0.3" &&
      version !== "1.0" &&
      version !== "0.3.0" &&
      version !== "1.0.0" &&
      version !== "1"
    ) {
      return rpcError(
        id,
        A2AErrorCode.VersionNotSupported,
        `A2A-Version ${JSON.stringify(version.slice(0, 32))} is not supported; use 0.3 or 1.0`,
      );
    }
    const params = req["params"];
    if (params !== undefined && !isObj(params)) {
      return rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params must be an object");
    }
    const p = params ?? {};
    try {
      switch (method) {
        case "message/send":
          return this.#send(id, method, "0.3", p, false, scope);
        case "SendMessage":
          return this.#send(id, method, "1.0", p, false, scope);
        case "message/stream":
          return this.#send(id, method, "0.3", p, true, scope);
        case "SendStreamingMessage":
          return this.#send(id, method, "1.0", p, true, scope);
        case "tasks/get":
          return this.#getTask(id, "0.3", p);
        case "GetTask":
          return this.#getTask(id, "1.0", p);
        case "tasks/cancel":
          return this.#cancelTask(id, "0.3", p);
        case "CancelTask":
          return this.#cancelTask(id, "1.0", p);
      }
    } catch (err) {
      if (err instanceof ShapeError) {
        return rpcError(id, A2AErrorCode.InvalidParams, `Invalid params: ${err.message}`);
      }
      throw err;
    }
    if (PUSH_CONFIG_METHODS.has(method)) {
      return rpcError(
        id,
        A2AErrorCode.PushNotificationNotSupported,
        "Push notifications are not supported",
      );
    }
    if (UNSUPPORTED_METHODS.has(method)) {
      return rpcError(
        id,
        A2AErrorCode.UnsupportedOperation,
        `${method} is not supported by this agent`,
      );
    }
    if (CARD_METHODS.has(method)) {
      return rpcError(
        id,
        A2AErrorCode.ExtendedCardNotConfigured,
        "No extended agent card is configured",
      );
    }
    return rpcError(id, A2AErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 64)}`);
  }

  #handlerError(id: Id, method: string, err: unknown): Outcome {
    if (err instanceof A2ARpcError) return rpcError(id, err.code, err.message, err.data);
    this.#report(err, method, id);
    return rpcError(id, A2AErrorCode.InternalError, "Internal error");
  }

  #report(err: unknown, method: string, requestId: Id): void {
    try {
      this.#opts.onError?.(err, { method, requestId });
    } catch {
      // a failing error hook must not take the server down
    }
  }

  #send(
    id: Id,
    method: string,
    version: "0.3" | "1.0",
    params: Obj,
    stream: boolean,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    if (params["message"] === undefined) {
      return rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params.message is required");
    }
    const message = normalizeMessage(params["message"]);
    if (stream && !this.#streaming) {
      return rpcError(
        id,
        A2AErrorCode.UnsupportedOperation,
        "Streaming is not enabled on this agent; use message/send (SendMessage)",
      );
    }
    const config = params["configuration"];
    const background =
      !stream &&
      isObj(config) &&
      (config["blocking"] === false || config["returnImmediately"] === true);
    const contextId = message.contextId ?? randomUUID();

    if (!stream && !background) {
      const ctx = new HandlerContext(scope, method, id, version, contextId, undefined);
      let result: unknown;
      try {
        result = this.#onMessage(message, ctx);
      } catch (err) {
        return this.#handlerError(id, method, err);
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          (r) => this.#answer(id, method, version, r, message, contextId, scope),
          (err: unknown) => this.#handlerError(id, method, err),
        );
      }
      return this.#answer(id, method, version, result, message, contextId, scope);
    }

    // A task exists before the handler runs: streaming and non-blocking sends.
    const task: A2ATask = {
      kind: "task",
      id: randomUUID(),
      contextId,
      status: { state: stream ? "working" : "submitted", timestamp: now() },
      history: [message],
    };
    const taskScope = stream ? scope : new Scope();
    const entry: TaskEntry = { task, cancel: (reason) => taskScope.abort(reason) };
    this.#tasks.set(entry);
    const ctx = new HandlerContext(taskScope, method, id, version, contextId, task.id);
    if (stream) {
      return {
        status: 200,
        stream: this.#streamTask(id, method, version, entry, message, ctx, taskScope),
        scope,
      };
    }
    const snapshot = this.#shapeTask(version, task);
    this.#inflight.add(taskScope);
    void this.#runBackground(entry, message, ctx, taskScope).finally(() =>
      this.#inflight.delete(taskScope),
    );
    return { status: 200, body: rpcResult(id, snapshot) };
  }

  /** The answer to a blocking send, once the handler's result is known. */
  #answer(
    id: Id,
    method: string,
    version: "0.3" | "1.0",
    result: unknown,
    message: A2AMessage,
    contextId: string,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    if (isAsyncIterable(result)) {
      return collectText(result, scope).then(
        (text) => this.#answer(id, method, version, text, message, contextId, scope),
        (err: unknown) => this.#handlerError(id, method, err),
      );
    }
    try {
      const answer = this.#toResult(result, message, contextId);
      return { status: 200, body: rpcResult(id, this.#shapeResult(version, answer)) };
    } catch (err) {
      return this.#handlerError(
        id,
        method,
        err instanceof ShapeError
          ? new Error(`onMessage returned an invalid result: ${err.message}`)
          : err,
      );
    }
  }

  /** Turns a handler result into the v0.3 Task or Message answered to a blocking send. */
  #toResult(result: unknown, message: A2AMessage, contextId: string): A2AMessage | A2ATask {
    if (typeof result === "string") {
      if (!this.#textAsTask) {
        return {
          kind: "message",
          messageId: randomUUID(),
          role: "agent",
          parts: [{ kind: "text", text: result }],
          contextId,
        };
      }
      const task = completedTask(contextId, message, result);
      this.#tasks.set({ task });
      return task;
    }
    if (result === undefined || result === null) {
      const task = completedTask(contextId, message, undefined);
      this.#tasks.set({ task });
      return task;
    }
    if (!isObj(result)) throw new ShapeError(`unsupported result type ${typeof result}`);
    if (result["kind"] === "task" || (result["kind"] === undefined && !("parts" in result))) {
      const task = normalizeAgentTask(result, contextId, randomUUID);
      task.history ??= [message];
      this.#tasks.set({ task });
      return task;
    }
    return normalizeAgentMessage(result, contextId, randomUUID);
  }

  #shapeResult(version: "0.3" | "1.0", result: A2AMessage | A2ATask): unknown {
    if (version === "0.3") return result;
    return result.kind === "task" ? { task: taskToV1(result) } : { message: messageToV1(result) };
  }

  #shapeTask(version: "0.3" | "1.0", task: A2ATask): unknown {
    return version === "0.3" ? task : taskToV1(task);
  }

  async #runBackground(
    entry: TaskEntry,
    message: A2AMessage,
    ctx: A2AHandlerContext,
    scope: Scope,
  ): Promise<void> {
    const task = entry.task;
    task.status = { state: "working", timestamp: now() };
    let result: unknown;
    try {
      result = await this.#onMessage(message, ctx);
      if (isAsyncIterable(result)) result = await collectText(result, scope);
      if (scope.aborted) return;
      const final = this.#toTaskResult(result, message, task);
      task.status = final.status;
      if (final.artifacts !== undefined) task.artifacts = final.artifacts;
    } catch (err) {
      if (scope.aborted) return;
      if (!(err instanceof A2ARpcError)) this.#report(err, ctx.method, ctx.requestId);
      task.status = failedStatus(task.contextId);
    } finally {
      entry.cancel = undefined;
    }
  }

  /** A handler result folded into the state of an existing task. */
  #toTaskResult(
    result: unknown,
    message: A2AMessage,
    task: A2ATask,
  ): Pick<A2ATask, "status" | "artifacts"> {
    if (typeof result === "string") {
      return completedTask(task.contextId, message, result);
    }
    if (result === undefined || result === null) {
      return { status: { state: "completed", timestamp: now() } };
    }
    if (!isObj(result)) throw new ShapeError(`unsupported result type ${typeof result}`);
    if (result["kind"] === "task" || (result["kind"] === undefined && !("parts" in result))) {
      const t = normalizeAgentTask(result, task.contextId, randomUUID);
      return t.artifacts === undefined
        ? { status: t.status }
        : { status: t.status, artifacts: t.artifacts };
    }
    const reply = normalizeAgentMessage(result, task.contextId, randomUUID);
    reply.taskId = task.id;
    return { status: { state: "completed", message: reply, timestamp: now() } };
  }

  async *#streamTask(
    id: Id,
    method: string,
    version: "0.3" | "1.0",
    entry: TaskEntry,
    message: A2AMessage,
    ctx: A2AHandlerContext,
    scope: Scope,
  ): AsyncGenerator<string, void, undefined> {
    const task = entry.task;
    const frame = (result: unknown): string => `data: ${rpcResult(id, result)}\n\n`;
    const statusFrame = (): string =>
      version === "0.3"
        ? frame({
            kind: "status-update",
            taskId: task.id,
            contextId: task.contextId,
            status: task.status,
            final:
              TERMINAL_STATES.has(task.status.state) ||
              task.status.state === "input-required" ||
              task.status.state === "auth-required",
          })
        : frame({
            statusUpdate: {
              taskId: task.id,
              contextId: task.contextId,
              status: statusToV1(task.status),
            },
          });
    const artifactFrame = (
      artifact: NonNullable<A2ATask["artifacts"]>[number],
      append: boolean,
      lastChunk: boolean,
    ): string =>
      version === "0.3"
        ? frame({
            kind: "artifact-update",
            taskId: task.id,
            contextId: task.contextId,
            artifact,
            append,
            lastChunk,
          })
        : frame({
            artifactUpdate: {
              taskId: task.id,
              contextId: task.contextId,
              artifact: artifactToV1(artifact),
              append,
              lastChunk,
            },
          });

    try {
      yield frame(version === "0.3" ? task : { task: taskToV1(task) });
      let result: unknown;
      try {
        result = await this.#onMessage(message, ctx);
        if (typeof result === "string") result = single(result);
        if (isAsyncIterable(result)) {
          const artifactId = randomUUID();
          let text = "";
          let n = 0;
          for await (const chunk of result) {
            if (scope.aborted) break;
            if (typeof chunk !== "string") throw new ShapeError("streamed chunks must be strings");
            if (chunk === "") continue;
            text += chunk;
            task.artifacts = [{ artifactId, parts: [{ kind: "text", text }] }];
            yield artifactFrame(
              { artifactId, parts: [{ kind: "text", text: chunk }] },
              n > 0,
              false,
            );
            n++;
          }
          if (!scope.aborted) task.status = { state: "completed", timestamp: now() };
        } else if (!scope.aborted) {
          const final = this.#toTaskResult(result, message, task);
          if (final.artifacts !== undefined) {
            task.artifacts = final.artifacts;
            for (const artifact of final.artifacts) yield artifactFrame(artifact, false, true);
          }
          task.status = final.status;
        }
      } catch (err) {
        if (!scope.aborted) {
          if (!(err instanceof A2ARpcError)) {
            this.#report(
              err instanceof ShapeError
                ? new Error(`onMessage returned an invalid result: ${err.message}`)
                : err,
              method,
              id,
            );
          }
          task.status = failedStatus(task.contextId);
        }
      }
      if (scope.aborted && !TERMINAL_STATES.has(task.status.state)) {
        task.status = { state: "canceled", timestamp: now() };
      }
      yield statusFrame();
    } finally {
      entry.cancel = undefined;
      if (scope.aborted && !TERMINAL_STATES.has(task.status.state)) {
        task.status = { state: "canceled", timestamp: now() };
      }
    }
  }

  #taskId(params: Obj): string {
    const tid = params["id"];
    if (typeof tid === "string" && tid !== "") return tid;
    const name = params["name"];
    if (typeof name === "string" && name.startsWith("tasks/")) return name.slice(6);
    throw new ShapeError("params.id must be a non-empty string");
  }

  #getTask(id: Id, version: "0.3" | "1.0", params: Obj): Outcome {
    const entry = this.#tasks.get(this.#taskId(params));
    if (entry === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
    let task = entry.task;
    const historyLength = params["historyLength"];
    if (typeof historyLength === "number" && historyLength >= 0 && task.history !== undefined) {
      task = { ...task, history: historyLength === 0 ? [] : task.history.slice(-historyLength) };
    }
    return { status: 200, body: rpcResult(id, this.#shapeTask(version, task)) };
  }

  #cancelTask(id: Id, version: "0.3" | "1.0", params: Obj): Outcome {
    const entry = this.#tasks.get(this.#taskId(params));
    if (entry === undefined) return rpcError(id, A2AErrorCode.TaskNotFound, "Task not found");
    const task = entry.task;
    if (TERMINAL_STATES.has(task.status.state)) {
      return rpcError(
        id,
        A2AErrorCode.TaskNotCancelable,
        `Task is ${task.status.state} and cannot be canceled`,
      );
    }
    task.status = { state: "canceled", timestamp: now() };
    entry.cancel?.(CANCELED);
    entry.cancel = undefined;
    return { status: 200, body: rpcResult(id, this.#shapeTask(version, task)) };
  }
}

function completedTask(contextId: string, message: A2AMessage, text: string | undefined): A2ATask {
  const task: A2ATask = {
    kind: "task",
    id: randomUUID(),
    contextId,
    status: { state: "completed", timestamp: now() },
    history: [message],
  };
  if (text !== undefined) {
    task.artifacts = [{ artifactId: randomUUID(), parts: [{ kind: "text", text }] }];
  }
  return task;
}

function failedStatus(contextId: string): A2ATask["status"] {
  return {
    state: "failed",
    timestamp: now(),
    message: {
      kind: "message",
      messageId: randomUUID(),
      role: "agent",
      parts: [{ kind: "text", text: "Internal error" }],
      contextId,
    },
  };
}

async function* single(text: string): AsyncGenerator<string> {
  yield text;
}

async function collectText(iterable: AsyncIterable<unknown>, scope: Scope): Promise<string> {
  let text = "";
  for await (const chunk of iterable) {
    if (scope.aborted) break;
    if (typeof chunk !== "string") throw new ShapeError("streamed chunks must be strings");
    text += chunk;
  }
  return text;
}
