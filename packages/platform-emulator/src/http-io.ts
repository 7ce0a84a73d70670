// Request plumbing shared by every route: the per-request context, typed HTTP errors, body
// reading and JSON/404 responses.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
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

export function readBody(req: IncomingMessage, limit: number, truncate: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      if (size + c.length > limit) {
        if (!truncate) {
          over = true;
          reject(new HttpError(413, { error: "request body too large" }));
          return;
        }
        chunks.push(c.subarray(0, limit - size));
        size = limit;
        over = true;
        return;
      }
      chunks.push(c);
      size += c.length;
    });
    req.on("end", () => {
      if (!over || truncate)
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
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
  const h = ctx.headers;
  h["Content-Type"] = "application/json; charset=utf-8";
  h["Content-Length"] = Buffer.byteLength(data);
  if (extra !== undefined) Object.assign(h, extra);
  ctx.res.writeHead(status, h);
  ctx.res.end(data);
}

/** gin's plain-text 404 for an unknown route. */
export function notFoundRoute(ctx: Ctx): void {
  ctx.req.resume();
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
