// The transport-neutral answer both HTTP adapters write, and the builders of results and errors in
// the binding of the request: JSON-RPC envelopes, or (a call whose id is `HTTP_JSON`) the bare JSON
// and HTTP statuses of the HTTP+JSON binding (rest-errors.ts).
import { restError } from "./rest-errors.js";
import type { RequestId, Scope } from "./scope.js";

/**
 * The id of a call that came over HTTP+JSON (`POST /message:send`, `GET /tasks/{id}`, ...): the
 * methods answer it with the same results, written without the JSON-RPC envelope.
 */
export const HTTP_JSON: unique symbol = Symbol("HTTP+JSON");

/** Who a method answers: a JSON-RPC request (its id), or an HTTP+JSON call. */
export type CallId = RequestId | typeof HTTP_JSON;

/** The JSON-RPC id of a call (`null` for an HTTP+JSON one): what `ctx` and `onError` see. */
export function requestIdOf(id: CallId): RequestId {
  return id === HTTP_JSON ? null : id;
}

/** A transport-neutral answer: a JSON body, or a stream of SSE frames tied to a cancellation scope. */
export type Outcome =
  | { status: number; body: string; headers?: Record<string, string> }
  | { status: 200; stream: AsyncGenerator<string, void, undefined>; scope: Scope };

/** A streamed {@link Outcome}. */
export type StreamOutcome = Extract<Outcome, { stream: unknown }>;

export const JSON_HEADERS = { "content-type": "application/json" } as const;
export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;

/** The serialised success response: the JSON-RPC envelope, or the bare result over HTTP+JSON. */
export function rpcResult(id: CallId, result: unknown): string {
  if (id === HTTP_JSON) return JSON.stringify(result);
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}`;
}

/**
 * An A2A error: a JSON-RPC error answered with HTTP 200 (the request was well-formed HTTP), or over
 * HTTP+JSON the HTTP status and `google.rpc.Status` body the spec maps the code to.
 */
export function rpcError(id: CallId, code: number, message: string, data?: unknown): Outcome {
  if (id === HTTP_JSON) return restError(code, message, data);
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error["data"] = data;
  return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id, error }) };
}

/** An error event ending a stream (SSE `event: error`), in the binding of the call. */
export function errorFrame(id: CallId, code: number, message: string): string {
  const o = rpcError(id, code, message);
  return `event: error\ndata: ${"body" in o ? o.body : ""}\n\n`;
}

/** A JSON-RPC error answered with an HTTP error status (the request failed a transport check). */
export function httpError(
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
