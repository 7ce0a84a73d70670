// The transport checks both HTTP adapters run before a JSON-RPC request is read: route, HTTP
// method, shutdown, content type and declared body size; and how a node:http refusal ends.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isJsonContentType } from "./body.js";
import { A2AErrorCode } from "./errors.js";
import { httpError, type Outcome } from "./outcome.js";
import type { Route } from "./routes.js";

/**
 * Closes the connection once the answer to a request that was not read to its end has been sent
 * (`Connection: close`, then the socket is destroyed as the answer flushes): a refused body is
 * never read, where node:http would otherwise drain all of it to keep the connection alive. Call
 * before writing the head; a request already read keeps its connection, and so does a bodiless
 * one unless `refused` (an answer that is not a refusal closes only when a body is unread).
 */
export function closeUnread(req: IncomingMessage, res: ServerResponse, refused = true): void {
  if (req.complete || res.headersSent) return;
  if (!refused) {
    const length = req.headers["content-length"];
    if (req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0"))
      return;
  }
  res.setHeader("Connection", "close");
  res.once("finish", () => req.socket?.destroy());
}

/** HTTP 413 for a body over `maxBody` bytes (the connection is closed after it). */
export function tooLarge(maxBody: number): Outcome {
  return httpError(
    413,
    A2AErrorCode.InvalidRequest,
    `Request body exceeds the ${maxBody}-byte limit`,
    { connection: "close" },
  );
}

/**
 * Transport checks shared by both adapters (an HTTP+JSON route's are `restPrecheck`'s); undefined
 * when the request may proceed.
 */
export function precheck(
  httpMethod: string,
  route: Exclude<Route, object> | undefined,
  contentType: string | null | undefined,
  contentLength: string | null | undefined,
  closed: boolean,
  maxBody: number,
): Outcome | undefined {
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
  if (closed) return httpError(503, A2AErrorCode.InternalError, "Server is shutting down");
  if (!isJsonContentType(contentType)) {
    return httpError(
      415,
      A2AErrorCode.InvalidRequest,
      "Unsupported Content-Type; send the JSON-RPC request as application/json",
    );
  }
  if (contentLength != null && Number(contentLength) > maxBody) return tooLarge(maxBody);
  return undefined;
}
