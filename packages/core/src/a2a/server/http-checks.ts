// The transport checks both HTTP adapters run before a JSON-RPC request is read: route, HTTP
// method, shutdown, content type and declared body size; and how a node:http refusal ends.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { cardVersionFor } from "../card-v1.js";
import { A2A_ERROR_MAPPINGS } from "../error-mappings.js";
import { isJsonContentType } from "./body.js";
import { A2AErrorCode } from "./errors.js";
import { httpError, type Outcome } from "./outcome.js";
import { restPrecheck } from "./rest.js";
import { errorDetails } from "./rest-errors.js";
import type { Route } from "./routes.js";

/**
 * Closes the connection once the answer to a request that was not read to its end has been sent
 * (`Connection: close`, then {@link lingerUnread}'s lingering close): a refused body is read only
 * up to a bound, where node:http would otherwise drain all of it to keep the connection alive.
 * Call before writing the head; a request already read keeps its connection, and so does a
 * bodiless one unless `refused` (an answer that is not a refusal closes only when a body is unread).
 */
export function closeUnread(req: IncomingMessage, res: ServerResponse, refused = true): void {
  if (req.complete || res.headersSent) return;
  if (!refused) {
    const length = req.headers["content-length"];
    if (req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0"))
      return;
  }
  res.setHeader("Connection", "close");
  // The body is not used: what arrived is dropped (reading it also marks the body as read by
  // someone, which keeps node:http from draining the rest after the answer).
  while (req.read() !== null);
  lingerUnread(req, res);
}

/**
 * For a request whose answer may leave its body unread (a refusal, or a library that answers
 * before reading): once the answer is sent with the body unread, the connection ends the way Go's
 * net/http and nginx end it (a lingering close). The answer, then a half-close (FIN after the
 * answer), then at most 256 KiB more of the body read and discarded, and the socket destroyed once
 * the client closes, or 1 s after the answer at the latest. Destroying the socket as the answer
 * flushes, with unread bytes, is a reset, which can discard the answer before a client still
 * sending has read it; this way the client reads its `401`/`404`/`413`, and the refused body still
 * costs a bounded read. node:http never drains the body to keep the connection. Call before the
 * answer is written.
 */
export function lingerUnread(req: IncomingMessage, res: ServerResponse): void {
  // Marks the body as read by someone: node:http then does not drain it after the answer (a
  // drained body is dropped unseen, so the bound below could not count it).
  req.read(0);
  const socket = req.socket;
  if (!socket) return;
  // node:http ends a `Connection: close` answer's socket with `destroySoon` once it is sent.
  socket.destroySoon = () => lingerClose(req, socket);
  res.once("finish", () => {
    if (!req.complete) lingerClose(req, socket);
  });
}

/** At most this much of an unread request body is read (and discarded) after the answer. */
const LINGER_BYTES = 256 * 1024;
/** A connection closed with its request body unread is destroyed at most this long after its answer. */
const LINGER_MS = 1_000;
const lingering = new WeakSet<Socket>();

/** The lingering close of {@link lingerUnread}, once per socket. */
function lingerClose(req: IncomingMessage, socket: Socket): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  const limit = socket.bytesRead + LINGER_BYTES;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref?.();
  socket.once("close", () => clearTimeout(timer));
  socket.end();
  if (req.complete) return;
  if (req.readableFlowing === true && req.listenerCount("data") === 0) {
    // node:http drains it unseen (nobody marked it read): read no more of it at all.
    socket.pause();
    return;
  }
  // The body flows through the HTTP parser into `req`: read it (nothing keeps it: whatever was
  // still reading it is detached) up to the bound, then stop reading, so that the client's further
  // bytes wait in its own buffers until the close. Reading past twice the bound (something
  // resumed it) ends the connection at once.
  req.removeAllListeners("data");
  req.removeAllListeners("readable");
  const discard = (): void => {
    if (socket.bytesRead < limit) return;
    req.pause();
    if (socket.bytesRead >= limit + LINGER_BYTES) socket.destroy();
  };
  req.on("data", discard);
  req.resume();
}

/** The refusal of a request that arrives (or may be read) once the endpoint is closed. */
export const SHUTTING_DOWN = "Server is shutting down";

/** HTTP 413 for a body over `maxBody` bytes (the connection is closed after it). */
export function tooLarge(maxBody: number): Outcome {
  return httpError(
    413,
    A2AErrorCode.InvalidRequest,
    `Request body exceeds the ${maxBody}-byte limit`,
    { connection: "close" },
  );
}

/** The request headers the checks read. */
export interface RequestHead {
  readonly contentType: string | null | undefined;
  readonly contentLength: string | null | undefined;
  /** `A2A-Version`. */
  readonly version: string | null | undefined;
}

/**
 * Transport checks shared by both adapters, on either binding (an HTTP+JSON route's are
 * `restPrecheck`'s); undefined when the request may proceed.
 */
export function precheck(
  httpMethod: string,
  route: Route | undefined,
  head: RequestHead,
  endpoint: { readonly closed: boolean; readonly maxBody: number },
): Outcome | undefined {
  const { contentType, contentLength } = head;
  const { closed, maxBody } = endpoint;
  if (typeof route === "object") {
    return restPrecheck(httpMethod, contentType, contentLength, closed, maxBody);
  }
  if (route === undefined) return httpError(404, A2AErrorCode.InvalidRequest, "Not found");
  if (route === "card" || route === "jwks") {
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
  if (closed) return httpError(503, A2AErrorCode.InternalError, SHUTTING_DOWN);
  if (!isJsonContentType(contentType)) {
    // v1.0.1 §5.4: ContentTypeNotSupported is HTTP 400 to a caller that says `A2A-Version: 1.x`,
    // with the ErrorInfo every v1.0 error carries (§9.5); a v0.3 caller (no header, §3.6.2) keeps
    // the 415 it always had.
    const code = A2AErrorCode.ContentTypeNotSupported;
    const message = "Unsupported Content-Type; send the JSON-RPC request as application/json";
    if (cardVersionFor(head.version) !== "1.0") return httpError(415, code, message);
    const error = { code, message, data: errorDetails(code, undefined) };
    return {
      status: A2A_ERROR_MAPPINGS.ContentTypeNotSupported.http,
      body: JSON.stringify({ jsonrpc: "2.0", id: null, error }),
    };
  }
  if (contentLength != null && Number(contentLength) > maxBody) return tooLarge(maxBody);
  return undefined;
}
