// The Streamable HTTP transport: one MCP session per client at `/mcp`, behind a bearer token
// (compared in constant time) and an Origin check (DNS rebinding), bound to 127.0.0.1 by default.
// A request refused for its path, origin, bearer or size is answered before its body is read, and
// its connection then closes (a lingering close, so the client reads the refusal); connections are
// bounded (http-limits.ts).
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { servingTraceHeaders } from "@molecule-ai/agent-core/adapters";
import type { McpHttpConfig } from "./config.js";
import { FileMcpEventStore, parseEventId, sessionEventStore } from "./event-store.js";
import type { McpEventStore } from "./event-store.js";
import {
  closeUnread,
  boundConnections,
  lingerUnread,
  HEADERS_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  TIMEOUT_CHECK_MS,
  verifyBearer,
} from "./http-limits.js";
import { INBOX_URI } from "./resource.js";
import { serveTaskListen } from "./task-listen.js";
import { tasksOf } from "./tool-tasks.js";
import type { MoleculeMcp } from "./server.js";

// Taken with `process.getBuiltinModule`, not an ESM import: node:http's ESM facade reads every
// export, and its lazy ones load Node's own fetch, HTTP/2, TLS and zlib (~5 MiB, issue 101).
const { createServer } = process.getBuiltinModule("node:http");

/** 2025-era MCP sessions kept at once (the least recently used one is closed to make room). */
const MAX_SESSIONS = 32;
/** The largest request body (the MCP SDK's default); a larger one is refused (413). */
const MAX_BODY = 4 * 1024 * 1024;
/** How often a replica that follows another replica's stream reads the event store (ms). */
const FOLLOW_POLL_MS = 200;
/** The SSE comment a followed stream sends while nothing new is stored (ms). */
const KEEPALIVE_MS = 15_000;

/** A running HTTP transport. */
export interface McpHttpServer {
  /** `http://<host>:<port>/mcp`. */
  readonly url: string;
  /** The bearer token clients send (`Authorization: Bearer <token>`). */
  readonly token: string;
  /** Whether the token was generated (then print it for the user). */
  readonly generatedToken: boolean;
  close(): Promise<void>;
}

/** Options of {@link startMcpHttp}. */
export interface McpHttpOptions {
  /**
   * Where 2025-era sessions' SSE events are kept, so that a broken stream resumes
   * (`Last-Event-ID`) on this replica or any other that shares the store. Default: a
   * {@link FileMcpEventStore} in `config.eventDir` when set, else none (no resumption).
   */
  eventStore?: McpEventStore;
}

function deny(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  closeUnread(req, res);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

/** The request's body, or `undefined` once it grew past {@link MAX_BODY} (the rest is left unread). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.pause();
      resolve(undefined);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** A web `Request` of a Node request (its body already read), aborted when the client leaves. */
function webRequest(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  return new Request(new URL(req.url ?? "/mcp", "http://localhost"), {
    method: req.method ?? "GET",
    headers,
    ...(body && req.method !== "GET" && req.method !== "HEAD"
      ? { body: new Uint8Array(body) }
      : {}),
    signal: aborted.signal,
  });
}

/** Writes a web `Response` (a JSON body or an SSE stream) to `res`. */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  res.flushHeaders(); // an SSE stream may stay quiet long: the client learns at once it is open
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once("close", () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The stream was cancelled (the client left) or failed: end the response.
  }
  res.end();
}

/** `body` parsed as JSON, or `undefined` when it is not JSON. */
function parsed(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Whether `message` is a JSON-RPC response (the end of a request's stream). */
function isResponse(message: unknown): boolean {
  return (
    typeof message === "object" &&
    message !== null &&
    "id" in message &&
    ("result" in message || "error" in message)
  );
}

/**
 * Resumes, on this replica, a stream of a session another replica holds: replays the stored
 * events after `lastEventId` and follows the store until the stream's answer is stored, the
 * session ends, the client leaves or this server closes.
 */
async function follow(
  store: McpEventStore,
  lastEventId: string,
  res: ServerResponse,
  closing: AbortSignal,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
  });
  res.flushHeaders(); // the client learns at once that the stream resumed
  let last = lastEventId;
  let quietSince = performance.now(); // monotonic: a wall clock step sends no burst of keepalives
  const gone = AbortSignal.any([closing, abortedOn(res)]);
  while (!gone.aborted) {
    const found = await store.after(last);
    if (!found) break; // the session ended
    for (const e of found.events) {
      res.write(`id: ${e.id}\ndata: ${JSON.stringify(e.message)}\n\n`);
      last = e.id;
      quietSince = performance.now();
      if (isResponse(e.message)) {
        res.end();
        return;
      }
    }
    if (performance.now() - quietSince > KEEPALIVE_MS) {
      res.write(": keepalive\n\n");
      quietSince = performance.now();
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FOLLOW_POLL_MS);
      gone.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  res.end();
}

/** A signal aborted when `res` closes before it ended. */
function abortedOn(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once("close", () => ac.abort());
  return ac.signal;
}

/**
 * Serves `host` over Streamable HTTP, to both protocol eras: a host that opens with `initialize`
 * (2025) gets a session (`Mcp-Session-Id`) served by one server, told of new messages; a host of
 * the 2026-07-28 revision (`_meta` on every request, `server/discover`) is served per request.
 * See {@link McpHttpServer}.
 */
export async function startMcpHttp(
  host: MoleculeMcp,
  config: McpHttpConfig,
  options: McpHttpOptions = {},
): Promise<McpHttpServer> {
  const generatedToken = config.token === undefined;
  const token = config.token ?? randomBytes(32).toString("base64url");
  const allowed = new Set(config.allowedOrigins.map((o) => o.replace(/\/$/, "")));
  const store =
    options.eventStore ??
    (config.eventDir === undefined ? undefined : new FileMcpEventStore(config.eventDir));
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const closing = new AbortController();
  const modern = createMcpHandler((context) => host.createServer(context), {
    legacy: "reject",
    maxRequestBodySize: MAX_BODY,
  });
  const stopNotifying = host.inbox.onMessage(() => modern.notify.resourceUpdated(INBOX_URI));

  const endSession = async (id: string): Promise<void> => {
    const transport = sessions.get(id);
    sessions.delete(id);
    await transport?.close();
    await store?.drop(id);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/mcp") return deny(req, res, 404, "Not found: the MCP endpoint is /mcp.");
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) {
      return deny(
        req,
        res,
        403,
        "Origin not allowed: start the server with --allow-origin to accept it.",
      );
    }
    const auth = req.headers.authorization ?? "";
    if (!verifyBearer(auth, token)) {
      return deny(
        req,
        res,
        401,
        "Missing or wrong bearer token: send Authorization: Bearer <the token the server printed or MOLECULE_MCP_HTTP_TOKEN>.",
        {
          "www-authenticate": 'Bearer realm="molecule-mcp"',
        },
      );
    }
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) {
      return deny(req, res, 413, `Request body too large: at most ${MAX_BODY} bytes.`);
    }
    if (req.method === "POST" && !isJsonContentType(req.headers["content-type"])) {
      return deny(
        req,
        res,
        415,
        "Unsupported Media Type: POST a JSON-RPC message as application/json.",
      );
    }
    // A body that grows past the bound unannounced is refused with the same lingering close.
    lingerUnread(req, res);
    const body = req.method === "POST" ? await readBody(req) : undefined;
    if (req.method === "POST" && body === undefined) {
      return deny(req, res, 413, `Request body too large: at most ${MAX_BODY} bytes.`);
    }
    const request = webRequest(req, res, body);
    if (!(await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_BODY }))) {
      // A listen for task status only (the Tasks extension) is served here (task-listen.ts).
      const listen =
        req.headers["mcp-method"] === "subscriptions/listen" && body
          ? serveTaskListen(parsed(body), tasksOf(host), request.signal)
          : undefined;
      return await writeResponse(res, listen ?? (await modern.fetch(request)));
    }
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (existing) {
      // Most recently used last: the first entry is the one to evict when the table is full.
      sessions.delete(sessionId as string);
      sessions.set(sessionId as string, existing);
      return await writeResponse(res, await existing.handleRequest(request));
    }
    if (typeof sessionId === "string") {
      const lastEventId = req.headers["last-event-id"];
      if (
        req.method === "GET" &&
        store &&
        typeof lastEventId === "string" &&
        parseEventId(lastEventId)?.sessionId === sessionId &&
        (await store.after(lastEventId))
      ) {
        return await follow(store, lastEventId, res, closing.signal); // another replica's session
      }
      return deny(req, res, 404, "Unknown MCP session: initialize a new one.");
    }
    if (req.method !== "POST")
      return deny(req, res, 400, "No MCP session: POST an initialize request first.");
    if (sessions.size >= MAX_SESSIONS) {
      // Clients rarely end their session (DELETE): the least recently used one makes room.
      await endSession(sessions.keys().next().value!);
    }
    const id = randomUUID();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      maxRequestBodySize: MAX_BODY,
      ...(store ? { eventStore: sessionEventStore(store, id) } : {}),
      onsessioninitialized: () => void sessions.set(id, transport),
      onsessionclosed: () => endSession(id),
    });
    const server = host.createServer({ era: "legacy" });
    await server.connect(transport);
    await writeResponse(res, await transport.handleRequest(request));
    // Not an initialize (the SDK refused it): no session to keep, its server closes.
    if (!sessions.has(id)) await transport.close();
  };

  const http: Server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  });
  boundConnections().attach(http);
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // A tool call's span is a child of the request's `traceparent` header or its `_meta` one
    // (one rule: core's `parentOf`), so a host behind an instrumented gateway joins the trace.
    const { traceparent, tracestate } = req.headers;
    servingTraceHeaders(traceparent, tracestate, () => handle(req, res)).catch(() => {
      if (!res.headersSent) deny(req, res, 500, "Internal error: see the server's log.");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const hostName = config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `http://${hostName}:${port}/mcp`,
    token,
    generatedToken,
    async close() {
      closing.abort();
      stopNotifying();
      await Promise.allSettled([...sessions.keys()].map((id) => endSession(id)));
      await modern.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
