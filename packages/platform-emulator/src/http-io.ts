// Request plumbing shared by every route: the per-request context, typed HTTP errors, body
// reading and JSON/404 responses.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { BindError, isObject } from "./util.js";

/** One request being handled. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  bearer: string | undefined;
  bearerHash: string | undefined;
  headers: Record<string, string | number>;
}

export const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  "Content-Security-Policy": "default-src 'self'",
};

/**
 * Removes the security headers from an answer given before the server's `SecurityHeaders`
 * middleware runs (the rate limiter's 429, the tenant guard's refusals: `router.go` at aeec8e47).
 */
export function dropSecurityHeaders(ctx: Ctx): void {
  for (const k of Object.keys(SECURITY_HEADERS)) delete ctx.headers[k];
}

const MAX_BODY = 16 << 20;
/** Reason phrases by status code. */
export const STATUS_TEXT = http.STATUS_CODES;

/** An answer with a status and a JSON body; thrown by handlers, written by the platform. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * Reads at most `limit` bytes of the body. Past it, nothing more is read (the answer then closes
 * the connection): `truncate` resolves with the first `limit` bytes, otherwise the answer is `413`,
 * at once when `Content-Length` already says so.
 */
export function readBody(req: IncomingMessage, limit: number, truncate: boolean): Promise<Buffer> {
  if (!truncate && Number(req.headers["content-length"]) > limit)
    return Promise.reject(new HttpError(413, { error: "request body too large" }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    const onData = (c: Buffer): void => {
      if (size + c.length > limit) {
        req.off("data", onData);
        req.pause();
        if (!truncate) {
          reject(new HttpError(413, { error: "request body too large" }));
          return;
        }
        chunks.push(c.subarray(0, limit - size));
        size = limit;
        done();
        return;
      }
      chunks.push(c);
      size += c.length;
    };
    req.on("data", onData);
    req.on("end", done);
    req.on("error", reject);
  });
}

/** Whether the request has body bytes that were not read. */
function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const cl = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (cl !== undefined && cl !== "0");
}

/** How long a connection closed with its request body unread may linger after the answer. */
const LINGER_MS = 2_000;

/**
 * Ends a connection without reading more of it: stops reading, sends the FIN after what was
 * written, and destroys the socket once the client closes or after `LINGER_MS`. (Destroying a
 * socket with unread bytes at once is a reset, which can cost the client the answer it was sent.)
 */
export function lingerClose(socket: Duplex): void {
  socket.pause();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

/**
 * Before answering: a body the handler did not read is never read (a refusal for path, auth or
 * size costs nothing however big the body is). The answer says `Connection: close`, and the
 * connection is ended with {@link lingerClose} instead of Node's read-to-the-end and destroy.
 */
export function closeIfBodyUnread(ctx: Ctx): void {
  const req = ctx.req;
  if (!bodyUnread(req)) return;
  ctx.headers["Connection"] = "close";
  // Marks the body as being consumed, so that Node does not read it to the end after the answer
  // (nothing reads it: once its buffer is full, the socket stops being read).
  req.read(0);
  // Node closes a `Connection: close` answer's socket with destroySoon.
  const socket: Socket = req.socket;
  socket.destroySoon = () => lingerClose(socket);
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw new BindError("empty body");
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch {
    throw new BindError("invalid JSON");
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Writes a JSON response with the context's headers (plus `extra`). */
export function sendJson(
  ctx: Ctx,
  status: number,
  body: unknown,
  extra?: Record<string, string>,
): void {
  const data = JSON.stringify(body);
  closeIfBodyUnread(ctx);
  const h = ctx.headers;
  h["Content-Type"] = "application/json; charset=utf-8";
  h["Content-Length"] = Buffer.byteLength(data);
  if (extra !== undefined) Object.assign(h, extra);
  ctx.res.writeHead(status, h);
  ctx.res.end(data);
}

/** gin's plain-text 404 for an unknown route. */
export function notFoundRoute(ctx: Ctx): void {
  closeIfBodyUnread(ctx);
  const data = "404 page not found";
  ctx.headers["Content-Type"] = "text/plain";
  ctx.headers["Content-Length"] = data.length;
  ctx.res.writeHead(404, ctx.headers);
  ctx.res.end(data);
}

/** Reads the body as a JSON object; anything else is `400 {"error": badBody}`. */
export async function readJsonObject(
  ctx: Ctx,
  badBody: string,
  rawReject?: RegExp,
): Promise<Record<string, unknown>> {
  const buf = await readBody(ctx.req, MAX_BODY, false);
  // Go's decoder rejects `1.0` / `1e3` for an int field; JSON.parse cannot tell them from 1.
  if (rawReject !== undefined && rawReject.test(buf.toString("latin1")))
    throw new HttpError(400, { error: badBody });
  let v: unknown;
  try {
    v = parseJson(buf);
  } catch {
    throw new HttpError(400, { error: badBody });
  }
  if (!isObject(v)) throw new HttpError(400, { error: badBody });
  return v;
}
