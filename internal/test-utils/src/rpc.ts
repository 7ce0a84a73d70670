// JSON-RPC 2.0 over real HTTP for tests of A2A endpoints: one request builder, one call.
import { randomUUID } from "node:crypto";

/** The parts of an A2A JSON-RPC result the tests read (a task, a message, or v1.0's `{ task }`). */
export interface RpcResult extends Record<string, unknown> {
  id?: string;
  status?: { state: string };
  artifacts?: Array<{ parts: Array<{ text?: string }> }>;
  parts?: unknown[];
  task?: { id?: string; status?: { state: string } };
}

/** A JSON-RPC answer: a result or an error. */
export interface RpcBody {
  result?: RpcResult;
  error?: { code: number; message: string; data?: unknown };
}

/** Options of {@link rpcRequest}. */
export interface RpcRequestOptions {
  /** The JSON-RPC id; default a random UUID. */
  id?: string | number;
  /** Send `A2A-Version: 1.0` (the v1.0 dialect). */
  v1?: boolean;
  /**
   * `Authorization: Bearer <bearer>`: the platform's inbound secret, which a push server refuses a
   * POST without (401) once it knows the platform signs (the August-2026 platform does).
   */
  bearer?: string | undefined;
  /** The `Authorization` header as it is (a stranger's: another scheme, or no bearer at all). */
  authorization?: string | undefined;
}

/** A JSON-RPC 2.0 POST of `method` with `params` to `url`, as a `Request`. */
export function rpcRequest(
  url: string,
  method: string,
  params: unknown,
  { id = randomUUID(), v1 = false, bearer, authorization }: RpcRequestOptions = {},
): Request {
  return new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(v1 ? { "a2a-version": "1.0" } : {}),
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });
}

/**
 * Calls `method` on `url` and returns the parsed answer; `options` is `v1` (`A2A-Version: 1.0`)
 * or the {@link RpcRequestOptions}.
 */
export async function rpc(
  url: string,
  method: string,
  params: unknown,
  options: boolean | RpcRequestOptions = false,
): Promise<RpcBody> {
  const res = await fetch(
    rpcRequest(url, method, params, typeof options === "boolean" ? { v1: options } : options),
  );
  if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return (await res.json()) as RpcBody;
  }
  // A streaming method's error arrives as one SSE event: its JSON-RPC body.
  return sseData((await res.text()).split("\n\n")[0] ?? "") as RpcBody;
}

/** The JSON of one SSE frame's `data:` (an `event:` line before it is skipped). */
export function sseData(frame: string): Record<string, unknown> {
  const data = frame
    .split("\n")
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.replace(/^data: ?/, ""))
    .join("\n");
  return JSON.parse(data) as Record<string, unknown>;
}

/** An A2A streaming call (`message/stream`, `tasks/resubscribe`, ...): its SSE events as they arrive. */
export interface RpcStream {
  contentType: string;
  /** The next event's JSON-RPC `result` (the whole body for an error), or `undefined` at the end. */
  next(): Promise<Record<string, any> | undefined>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Every remaining event, until the server closes the stream. */
  rest(): Promise<Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Hangs up. */
  close(): void;
}

/**
 * Calls a streaming `method` on `url` and reads its SSE events; `options` is `v1`
 * (`A2A-Version: 1.0`) or the {@link RpcRequestOptions}.
 */
export async function rpcStream(
  url: string,
  method: string,
  params: unknown,
  options: boolean | RpcRequestOptions = false,
): Promise<RpcStream> {
  const abort = new AbortController();
  const res = await fetch(
    rpcRequest(url, method, params, typeof options === "boolean" ? { v1: options } : options),
    { signal: abort.signal },
  );
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const next: RpcStream["next"] = async () => {
    for (;;) {
      const i = buf.indexOf("\n\n");
      if (i >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const body = sseData(frame);
        return (body["result"] ?? body) as Record<string, unknown>;
      }
      const { done, value } = await reader.read();
      if (done) return undefined;
      buf += value;
    }
  };
  return {
    contentType: res.headers.get("content-type") ?? "",
    next,
    rest: async () => {
      const out: Record<string, unknown>[] = [];
      for (let e = await next(); e !== undefined; e = await next()) out.push(e);
      return out;
    },
    close: () => abort.abort(),
  };
}
