// JSON-RPC 2.0 request parsing and method dispatch: nesting limit, envelope validation, the
// A2A-Version header, and the v0.3 / v1.0 method names (answered, refused, or unknown).
import { exceedsJsonDepth, exceedsValueDepth } from "./body.js";
import { A2AErrorCode } from "./errors.js";
import { isObj, ShapeError } from "./normalize.js";
import { rpcError, type Outcome } from "./outcome.js";
import type { RequestId, Scope } from "./scope.js";

type Obj = Record<string, unknown>;

/** The A2A methods the endpoint implements, per wire dialect. */
export interface RpcMethods {
  send(
    id: RequestId,
    method: string,
    version: "0.3" | "1.0",
    params: Obj,
    stream: boolean,
    scope: Scope,
  ): Outcome | Promise<Outcome>;
  getTask(id: RequestId, version: "0.3" | "1.0", params: Obj): Outcome | Promise<Outcome>;
  cancelTask(id: RequestId, version: "0.3" | "1.0", params: Obj): Outcome | Promise<Outcome>;
  resubscribe(
    id: RequestId,
    version: "0.3" | "1.0",
    params: Obj,
    scope: Scope,
  ): Outcome | Promise<Outcome>;
  listTasks(id: RequestId, params: Obj): Outcome | Promise<Outcome>;
}

const PUSH_CONFIG_METHODS = new Set([
  "tasks/pushNotificationConfig/set",
  "tasks/pushNotificationConfig/get",
  "tasks/pushNotificationConfig/list",
  "tasks/pushNotificationConfig/delete",
  "CreateTaskPushNotificationConfig",
  "GetTaskPushNotificationConfig",
  "ListTaskPushNotificationConfigs",
  "DeleteTaskPushNotificationConfig",
]);
const CARD_METHODS = new Set(["agent/getAuthenticatedExtendedCard", "GetExtendedAgentCard"]);

/**
 * Parses one JSON-RPC request (`input`: the body text, or a value a framework already parsed) and
 * runs its method; synchronous unless the method is.
 */
export function dispatchRpc(
  input: unknown,
  versionHeader: string | string[] | undefined,
  scope: Scope,
  maxDepth: number,
  methods: RpcMethods,
  report?: (err: unknown, method: string, requestId: RequestId) => void,
): Outcome | Promise<Outcome> {
  let req: unknown;
  if (typeof input === "string") {
    if (exceedsJsonDepth(input, maxDepth)) {
      return rpcError(null, A2AErrorCode.InvalidRequest, `JSON nesting exceeds ${maxDepth} levels`);
    }
    try {
      req = JSON.parse(input);
    } catch {
      return rpcError(null, A2AErrorCode.ParseError, "Parse error: the body is not valid JSON");
    }
  } else {
    if (exceedsValueDepth(input, maxDepth)) {
      return rpcError(null, A2AErrorCode.InvalidRequest, `JSON nesting exceeds ${maxDepth} levels`);
    }
    req = input;
  }
  if (!isObj(req)) {
    return rpcError(
      null,
      A2AErrorCode.InvalidRequest,
      Array.isArray(req)
        ? "Batch requests are not supported; send one JSON-RPC request per POST"
        : "Invalid Request: expected a JSON-RPC 2.0 request object",
    );
  }
  const rawId = req["id"];
  if (
    rawId !== undefined &&
    rawId !== null &&
    typeof rawId !== "string" &&
    typeof rawId !== "number"
  ) {
    return rpcError(
      null,
      A2AErrorCode.InvalidRequest,
      "Invalid Request: id must be a string, number or null",
    );
  }
  const id: RequestId = rawId ?? null;
  if (req["jsonrpc"] !== "2.0") {
    return rpcError(id, A2AErrorCode.InvalidRequest, 'Invalid Request: jsonrpc must be "2.0"');
  }
  const method = req["method"];
  if (typeof method !== "string") {
    return rpcError(id, A2AErrorCode.InvalidRequest, "Invalid Request: method must be a string");
  }
  // A v0.3 streaming method answers every error as a stream too (one `event: error`): the
  // official 0.3 clients read nothing else. v1.0 answers errors before the stream as JSON, as the
  // official 1.x server and the conformance kit do; errors during a stream are events in both.
  const streamed = STREAM_METHODS.has(method);
  const preStream = streamed && method.includes("/");
  const refuse = (o: Outcome): Outcome => (preStream ? asEvents(o, scope) : o);
  const version = Array.isArray(versionHeader) ? versionHeader[0] : versionHeader;
  if (
    version !== undefined &&
    version !== "" &&
    version !== "0.3" &&
    version !== "1.0" &&
    version !== "0.3.0" &&
    version !== "1.0.0" &&
    version !== "1"
  ) {
    return refuse(
      rpcError(
        id,
        A2AErrorCode.VersionNotSupported,
        `A2A-Version ${JSON.stringify(version.slice(0, 32))} is not supported; use 0.3 or 1.0`,
      ),
    );
  }
  const params = req["params"];
  if (params !== undefined && !isObj(params)) {
    return refuse(
      rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params must be an object"),
    );
  }
  const out = invoke(id, method, params ?? {}, scope, methods);
  if (!streamed) return out;
  const failed = (err: unknown): void => report?.(err, method, id);
  const asStream = (o: Outcome): Outcome =>
    "stream" in o ? { ...o, stream: guarded(o.stream, id, failed) } : refuse(o);
  return out instanceof Promise ? out.then(asStream) : asStream(out);
}

const STREAM_METHODS = new Set([
  "message/stream",
  "SendStreamingMessage",
  "tasks/resubscribe",
  "SubscribeToTask",
]);

/** A JSON-RPC error answer as a stream of one `event: error` (other answers unchanged). */
function asEvents(o: Outcome, scope: Scope): Outcome {
  if ("stream" in o || o.status !== 200) return o;
  return { status: 200, stream: once(`event: error\ndata: ${o.body}\n\n`), scope };
}

async function* once(frame: string): AsyncGenerator<string, void, undefined> {
  yield frame;
}

/** The frames of `stream`, ended by an error event (-32603) if it throws. */
async function* guarded(
  stream: AsyncGenerator<string, void, undefined>,
  id: RequestId,
  failed: (err: unknown) => void,
): AsyncGenerator<string, void, undefined> {
  try {
    yield* stream;
  } catch (err) {
    failed(err);
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id,
      error: { code: A2AErrorCode.InternalError, message: "Internal error: the stream failed" },
    });
    yield `event: error\ndata: ${body}\n\n`;
  }
}

/** Runs one method (invalid params become -32602). */
function invoke(
  id: RequestId,
  method: string,
  p: Obj,
  scope: Scope,
  methods: RpcMethods,
): Outcome | Promise<Outcome> {
  try {
    switch (method) {
      case "message/send":
        return methods.send(id, method, "0.3", p, false, scope);
      case "SendMessage":
        return methods.send(id, method, "1.0", p, false, scope);
      case "message/stream":
        return methods.send(id, method, "0.3", p, true, scope);
      case "SendStreamingMessage":
        return methods.send(id, method, "1.0", p, true, scope);
      case "tasks/get":
        return methods.getTask(id, "0.3", p);
      case "GetTask":
        return methods.getTask(id, "1.0", p);
      case "tasks/cancel":
        return methods.cancelTask(id, "0.3", p);
      case "CancelTask":
        return methods.cancelTask(id, "1.0", p);
      case "tasks/resubscribe":
        return methods.resubscribe(id, "0.3", p, scope);
      case "SubscribeToTask":
        return methods.resubscribe(id, "1.0", p, scope);
      case "ListTasks":
        return methods.listTasks(id, p);
    }
  } catch (err) {
    if (err instanceof ShapeError) {
      return rpcError(id, A2AErrorCode.InvalidParams, `Invalid params: ${err.message}`);
    }
    throw err;
  }
  return refusal(id, method);
}

/** The answer to a method the endpoint does not implement. */
function refusal(id: RequestId, method: string): Outcome {
  if (PUSH_CONFIG_METHODS.has(method)) {
    return rpcError(
      id,
      A2AErrorCode.PushNotificationNotSupported,
      "Push notifications are not supported",
    );
  }
  if (CARD_METHODS.has(method)) {
    return rpcError(
      id,
      A2AErrorCode.ExtendedCardNotConfigured,
      "No extended agent card is configured",
    );
  }
  return rpcError(id, A2AErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 64)}`);
}
