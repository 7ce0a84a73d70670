// `GET /ws`: the platform's WebSocket event fan-out, as the real server has it (socket.go,
// ws/hub.go). With `X-Workspace-ID` the workspace's bearer is required once it has a live token,
// and the socket receives the events of every workspace it may communicate with; without the
// header (the canvas) it receives every event, unauthenticated, as on the real server. Messages
// from the client are read and discarded. Messages: `{event, workspace_id, timestamp, payload}`
// (built by `Platform.emit`). 2026-08: both sockets need a bearer (`refusal2026_08`).
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import {
  closeIfBodyUnread,
  type Ctx,
  HttpError,
  lingerClose,
  SECURITY_HEADERS,
  STATUS_TEXT,
} from "./http-io.js";
import type { EventSocket, Platform } from "./platform.js";
import { countRequest, tooManyRequests } from "./rate-limit.js";
import { MISSING_ORG_HEADER, tenantRefusal } from "./tenant-guard.js";
import { bearerOf, hashToken, UUID_ANY_RE } from "./util.js";

/** Client messages are discarded; a bigger one closes the socket (1009). */
const MAX_CLIENT_MESSAGE = 4096;
/** A client with more unsent bytes than this misses events (the real hub drops past 256 messages). */
const MAX_BUFFERED = 4 << 20;

/** Why `GET /ws` with this `X-Workspace-ID` and `Authorization` is refused (`undefined`: it is not). */
function refusal(
  platform: Platform,
  workspaceId: string,
  authorization: string | undefined,
): HttpError | undefined {
  if (workspaceId === "") return undefined; // the canvas: unauthenticated, as on the real server
  // The server's live-token query fails on a value that is not a UUID.
  if (!UUID_ANY_RE.test(workspaceId)) return new HttpError(500, { error: "auth check failed" });
  const id = workspaceId.toLowerCase();
  if (platform.store.liveTokenCount(id) === 0) return undefined; // pre-token workspaces pass
  const bearer = bearerOf(authorization);
  if (bearer === undefined) return new HttpError(401, { error: "missing workspace auth token" });
  if (platform.tokenFor({ bearerHash: hashToken(bearer) }, id) === undefined)
    return new HttpError(401, { error: "invalid workspace auth token" });
  return undefined;
}

/**
 * 2026-08 (socket.go `authenticateWebSocket` at aeec8e47, c1475219): the token comes from
 * `Authorization: Bearer` or a `Sec-WebSocket-Protocol: molecule-auth.<hex>` offer (both must
 * agree); a workspace socket always needs that workspace's live token (no pre-token pass); the
 * canvas socket needs the admin token (`401 canvas auth required` without one; org tokens and
 * the verified canvas session are not emulated).
 */
function refusal2026_08(
  platform: Platform,
  workspaceId: string,
  req: IncomingMessage,
): HttpError | undefined {
  const bad = new HttpError(401, { error: "invalid WebSocket credential" });
  const auths = req.headersDistinct["authorization"] ?? [];
  if (auths.length > 1) return bad;
  const authorization = auths[0] ?? "";
  const headerToken = bearerOf(authorization) ?? "";
  if (authorization !== "" && headerToken === "") return bad;
  let protocolToken = "";
  for (const header of req.headersDistinct["sec-websocket-protocol"] ?? [])
    for (const raw of header.split(",")) {
      const offered = raw.trim();
      if (!offered.startsWith("molecule-auth.")) continue;
      if (protocolToken !== "") return bad;
      const hex = offered.slice("molecule-auth.".length);
      if (hex === "" || hex.length > 8192 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex))
        return bad;
      protocolToken = Buffer.from(hex, "hex").toString("latin1");
    }
  if (headerToken !== "" && protocolToken !== "" && headerToken !== protocolToken) return bad;
  const token = headerToken !== "" ? headerToken : protocolToken;
  if (workspaceId !== "") {
    if (token === "") return new HttpError(401, { error: "missing workspace auth token" });
    const id = workspaceId.toLowerCase();
    if (
      !UUID_ANY_RE.test(workspaceId) ||
      platform.tokenFor({ bearerHash: hashToken(token) }, id) === undefined
    )
      return new HttpError(401, { error: "invalid workspace auth token" });
    return undefined;
  }
  if (token === "") return new HttpError(401, { error: "canvas auth required" });
  if (platform.isAdmin({ bearerHash: hashToken(token) } as Ctx)) return undefined;
  return new HttpError(401, { error: "invalid canvas auth token" });
}

/** The first `X-Workspace-ID` value (Go's `GetHeader`), or `""`. */
function workspaceHeader(req: IncomingMessage): string {
  const v = req.headers["x-workspace-id"];
  return (Array.isArray(v) ? v[0] : v)?.split(",")[0]?.trim() ?? "";
}

/** `GET /ws` sent without the upgrade headers: refused like the upgrade, else gorilla's 400. */
export function plainSocketRequest(platform: Platform, ctx: Ctx): void {
  const bad = platform.august
    ? refusal2026_08(platform, workspaceHeader(ctx.req), ctx.req)
    : refusal(platform, workspaceHeader(ctx.req), ctx.req.headers.authorization);
  if (bad !== undefined) throw bad;
  const data = "Bad Request\n";
  closeIfBodyUnread(ctx);
  ctx.headers["Content-Type"] = "text/plain; charset=utf-8";
  ctx.headers["Content-Length"] = data.length;
  ctx.headers["Sec-Websocket-Version"] = "13";
  ctx.res.writeHead(400, ctx.headers);
  ctx.res.end(data);
}

const JSON_TYPE = "application/json; charset=utf-8";

/** Writes a whole HTTP answer (`headers`, then the body's) on a socket not upgraded, then closes it. */
function answerRaw(
  socket: Duplex,
  status: number,
  headers: Record<string, string | number>,
  body?: { type: string; text: string },
): void {
  const head = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}`];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  const text = body?.text ?? "";
  if (body !== undefined) head.push(`Content-Type: ${body.type}`);
  head.push(`Content-Length: ${Buffer.byteLength(text)}`, "Connection: close", "", "");
  socket.write(head.join("\r\n") + text);
  lingerClose(socket);
}

/** Whether a request is a WebSocket upgrade of `GET /ws` (the server's `shouldUpgradeCallback`). */
export function isSocketUpgrade(req: IncomingMessage): boolean {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  return (
    req.method === "GET" &&
    (q === -1 ? url : url.slice(0, q)) === "/ws" &&
    req.headers.upgrade?.toLowerCase() === "websocket"
  );
}

/** The `GET /ws` clients of one platform. */
export class EventSockets {
  readonly #platform: Platform;
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE,
    perMessageDeflate: false,
    clientTracking: false,
    // 2026-08: gorilla's Upgrader offers only `molecule-ws` (socket.go); before, it offered none
    // and `ws` keeps its own choice (the client's first protocol).
    handleProtocols: (protocols) =>
      this.#platform.august
        ? protocols.has("molecule-ws") && "molecule-ws"
        : (protocols.values().next().value ?? false),
  });

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  /** The HTTP server's `upgrade` listener. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    if (this.#platform.closing) {
      socket.destroy();
      return;
    }
    // The server's middleware comes first, as for every route (`router.go`): the rate limit,
    // then the tenant guard; their refusals carry no security headers.
    const platform = this.#platform;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const bearer = bearerOf(req.headers.authorization);
    const headers: Record<string, string | number> = {};
    if (
      !countRequest(platform, req, bearer === undefined ? undefined : hashToken(bearer), headers)
    ) {
      const over = tooManyRequests(headers);
      headers["Retry-After"] = over.retryAfter;
      answerRaw(socket, 429, headers, { type: JSON_TYPE, text: JSON.stringify(over.body) });
      return;
    }
    const tenant = tenantRefusal(platform, q === -1 ? url : url.slice(0, q), req);
    if (tenant !== undefined) {
      const text = JSON.stringify(MISSING_ORG_HEADER);
      answerRaw(socket, tenant, headers, tenant === 400 ? { type: JSON_TYPE, text } : undefined);
      return;
    }
    Object.assign(headers, SECURITY_HEADERS);
    // Node before 24.9 has no shouldUpgradeCallback: other upgrades land here too.
    if (!isSocketUpgrade(req)) {
      answerRaw(socket, 404, headers, { type: "text/plain", text: "404 page not found" });
      return;
    }
    const workspaceId = workspaceHeader(req);
    const bad = platform.august
      ? refusal2026_08(platform, workspaceId, req)
      : refusal(platform, workspaceId, req.headers.authorization);
    if (bad !== undefined) {
      answerRaw(socket, bad.status, headers, { type: JSON_TYPE, text: JSON.stringify(bad.body) });
      return;
    }
    (socket as Socket).setTimeout?.(0);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(ws, workspaceId.toLowerCase()));
  };

  #attach(ws: WebSocket, workspaceId: string): void {
    const sockets = this.#platform.events.sockets;
    const client: EventSocket = {
      workspaceId,
      send: (text) => {
        if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < MAX_BUFFERED) ws.send(text);
      },
      close: () => ws.terminate(),
    };
    sockets.add(client);
    ws.on("message", () => {}); // read and discarded, as the real server's ReadPump does
    ws.on("error", () => ws.terminate());
    ws.on("close", () => sockets.delete(client));
  }

  /** Closes every client and the WebSocket server. */
  close(): void {
    for (const s of this.#platform.events.sockets) s.close();
    this.#wss.close();
  }
}
