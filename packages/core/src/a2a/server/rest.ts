// The HTTP+JSON binding (A2A v1.0 §11), served below the same endpoint as JSON-RPC: what a request
// for it is (its path below the endpoint and its query) and the checks made before its body is
// read. The routes themselves (rest-call.ts) are loaded with the first such request.
import { A2A_ERROR_MAPPINGS } from "../error-mappings.js";
import { isJsonContentType } from "./body.js";
import { A2AErrorCode } from "./errors.js";
import { HTTP_JSON, rpcError, type Outcome } from "./outcome.js";

type Obj = Record<string, unknown>;

/** A request below the endpoint that is not JSON-RPC: its path there and its query. */
export interface RestTarget {
  readonly path: string;
  readonly query: string;
}

/** The content type of HTTP+JSON answers (v1.0 §14.1). */
export const A2A_JSON = { "content-type": "application/a2a+json" } as const;

/** An HTTP+JSON refusal made before the body is read. */
function refuse(status: number, code: number, message: string, headers?: Obj): Outcome {
  const o = rpcError(HTTP_JSON, code, message) as { body: string };
  return { status, body: o.body, headers: { ...A2A_JSON, ...(headers as Record<string, string>) } };
}

/**
 * The checks made before an HTTP+JSON request's body is read (the JSON-RPC ones, answered in this
 * binding's shape): shutdown, HTTP method, a POST whose content type is not JSON (or missing), the
 * declared size.
 */
export function restPrecheck(
  httpMethod: string,
  contentType: string | null | undefined,
  contentLength: string | null | undefined,
  closed: boolean,
  maxBody: number,
): Outcome | undefined {
  if (httpMethod !== "GET" && httpMethod !== "POST" && httpMethod !== "DELETE") {
    return refuse(405, A2AErrorCode.InvalidRequest, "Method not allowed", {
      allow: "GET, POST, DELETE",
    });
  }
  if (closed) return refuse(503, A2AErrorCode.InternalError, "Server is shutting down");
  // As JSON-RPC: a POST without a JSON content type (none included: a browser's no-cors fetch of
  // an ArrayBuffer sends none, without a preflight) runs nothing.
  if (httpMethod === "POST" && !isJsonContentType(contentType)) {
    return refuse(
      A2A_ERROR_MAPPINGS.ContentTypeNotSupported.http, // v1.0.1 §5.4: 400 (v1.0.0: 415)
      A2AErrorCode.ContentTypeNotSupported,
      "Unsupported Content-Type; send the request body as application/json",
    );
  }
  if (contentLength != null && Number(contentLength) > maxBody) {
    return refuse(
      413,
      A2AErrorCode.InvalidRequest,
      `Request body exceeds the ${maxBody}-byte limit`,
      {
        connection: "close",
      },
    );
  }
  return undefined;
}
