// The transport-neutral answer both HTTP adapters write, and the builders of JSON-RPC results and
// errors.
import type { RequestId, Scope } from "./scope.js";

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

/** The serialised JSON-RPC success response. */
export function rpcResult(id: RequestId, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}`;
}

/** A JSON-RPC error answered with HTTP 200 (the request was well-formed HTTP). */
export function rpcError(id: RequestId, code: number, message: string, data?: unknown): Outcome {
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error["data"] = data;
  return { status: 200, body: JSON.stringify({ jsonrpc: "2.0", id, error }) };
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
