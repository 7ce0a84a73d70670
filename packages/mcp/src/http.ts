// The Streamable HTTP transport: one MCP session per client at `/mcp`, behind a bearer token
// (compared in constant time) and an Origin check (DNS rebinding), bound to 127.0.0.1 by default.
// A request refused for its path, origin, bearer or size is answered before its body is read, and
// its connection then closes (a lingering close, so the client reads the refusal); connections are
// bounded (http-limits.ts).
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { McpHttpConfig } from "./config.js";
import {
  closeUnread,
  boundConnections,
  lingerUnread,
  HEADERS_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  TIMEOUT_CHECK_MS,
  verifyBearer,
} from "./http-limits.js";
import type { MoleculeMcp } from "./server.js";

/** MCP sessions kept at once (the least recently used one is closed to make room). */
const MAX_SESSIONS = 32;
/** The largest request body (the MCP SDK's default); a larger declared one is refused unread. */
const MAX_BODY = 4 * 1024 * 1024;

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

/** Serves `host` over Streamable HTTP; see {@link McpHttpServer}. */
export async function startMcpHttp(
  host: MoleculeMcp,
  config: McpHttpConfig,
): Promise<McpHttpServer> {
  const generatedToken = config.token === undefined;
  const token = config.token ?? randomBytes(32).toString("base64url");
  const allowed = new Set(config.allowedOrigins.map((o) => o.replace(/\/$/, "")));
  const sessions = new Map<string, StreamableHTTPServerTransport>();

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
    // The SDK may refuse a request (type, size, JSON) without reading all of it: close then too,
    // with the same lingering close as the refusals above.
    lingerUnread(req, res);
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (existing) {
      // Most recently used last: the first entry is the one to evict when the table is full.
      sessions.delete(sessionId as string);
      sessions.set(sessionId as string, existing);
      return await existing.handleRequest(req, res);
    }
    if (typeof sessionId === "string") {
      return deny(req, res, 404, "Unknown MCP session: initialize a new one.");
    }
    if (req.method !== "POST")
      return deny(req, res, 400, "No MCP session: POST an initialize request first.");
    if (sessions.size >= MAX_SESSIONS) {
      // Clients rarely end their session (DELETE): the least recently used one makes room.
      const [oldestId, oldest] = sessions.entries().next().value!;
      sessions.delete(oldestId);
      await oldest.close();
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: MAX_BODY,
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    const server = host.createServer();
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const http: Server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  });
  boundConnections().attach(http);
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
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
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
