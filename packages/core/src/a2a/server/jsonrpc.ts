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
const UNSUPPORTED_METHODS = new Set(["ListTasks"]);
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
    return rpcError(
      id,
      A2AErrorCode.VersionNotSupported,
      `A2A-Version ${JSON.stringify(version.slice(0, 32))} is not supported; use 0.3 or 1.0`,
    );
  }
  const params = req["params"];
  if (params !== undefined && !isObj(params)) {
    return rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params must be an object");
  }
  const p = params ?? {};
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
  if (UNSUPPORTED_METHODS.has(method)) {
    return rpcError(
      id,
      A2AErrorCode.UnsupportedOperation,
      `${method} is not supported by this agent`,
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
