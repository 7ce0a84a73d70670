// The A2A operations by method name, one dispatch for both front ends: JSON-RPC (jsonrpc.ts: the
// v0.3 and v1.0 method names) and HTTP+JSON (rest.ts: each route is a v1.0 method). Parameters a
// method cannot read are -32602; a method the endpoint does not serve is refused with the code the
// spec gives it; a stream that fails ends with an error event in the binding of the call.
import { A2AErrorCode } from "./errors.js";
import type { ExtendedCardMethod } from "./extended-card.js";
import { ShapeError } from "./normalize.js";
import { errorFrame, rpcError, type CallId, type Outcome } from "./outcome.js";
import type { PushNotifications } from "./handler-push.js";
import type { RequestMeta } from "./request-meta.js";
import type { Scope } from "./scope.js";

type Obj = Record<string, unknown>;
type Version = "0.3" | "1.0";

/** The send methods (methods.ts), per wire dialect. */
export interface RpcMethods {
  send(
    id: CallId,
    method: string,
    version: Version,
    params: Obj,
    stream: boolean,
    scope: Scope,
    extensions: readonly string[],
  ): Outcome | Promise<Outcome>;
}

/** The methods over tasks the endpoint holds (task-queries.ts). */
export interface QueryMethods {
  getTask(id: CallId, version: Version, params: Obj): Outcome | Promise<Outcome>;
  cancelTask(id: CallId, version: Version, params: Obj): Outcome | Promise<Outcome>;
  resubscribe(id: CallId, version: Version, params: Obj, scope: Scope): Outcome | Promise<Outcome>;
  listTasks(id: CallId, params: Obj): Outcome | Promise<Outcome>;
}

/** Everything the endpoint serves. */
export interface EndpointMethods {
  tasks: RpcMethods;
  queries: QueryMethods;
  /** Push notification configs, when the endpoint serves them. */
  push: PushNotifications | undefined;
  /** The authenticated extended card, when one is configured. */
  card: ExtendedCardMethod | undefined;
  /** Extension URIs the card marks `required`: a send must request each one. */
  required: readonly string[];
}

/** One call of a method, from either front end. */
export interface Call {
  id: CallId;
  method: string;
  params: Obj;
  scope: Scope;
  meta: RequestMeta;
}

/** Methods answered as a stream of events. */
export const STREAM_METHODS: ReadonlySet<string> = new Set([
  "message/stream",
  "SendStreamingMessage",
  "tasks/resubscribe",
  "SubscribeToTask",
]);

const SENDS = new Set(["message/send", "SendMessage", "message/stream", "SendStreamingMessage"]);

/** Runs one call; synchronous unless the method is. */
export function invokeMethod(
  call: Call,
  m: EndpointMethods,
  report?: (err: unknown, method: string, requestId: CallId) => void,
): Outcome | Promise<Outcome> {
  const { id, method } = call;
  let out: Outcome | Promise<Outcome>;
  try {
    out = route(call, m);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    return rpcError(id, A2AErrorCode.InvalidParams, `Invalid params: ${err.message}`);
  }
  if (!STREAM_METHODS.has(method)) return out;
  const failed = (err: unknown): void => report?.(err, method, id);
  const asStream = (o: Outcome): Outcome =>
    "stream" in o ? { ...o, stream: guarded(o.stream, id, failed) } : o;
  return out instanceof Promise ? out.then(asStream) : asStream(out);
}

function route(call: Call, m: EndpointMethods): Outcome | Promise<Outcome> {
  const { id, method, params: p, scope, meta } = call;
  const t = m.tasks;
  const q = m.queries;
  if (SENDS.has(method)) {
    const missing = m.required.filter((uri) => !meta.extensions.includes(uri));
    if (missing.length > 0) {
      return rpcError(
        id,
        A2AErrorCode.ExtensionSupportRequired,
        `This agent requires the extension ${missing[0]!.slice(0, 256)}: list it in the A2A-Extensions header`,
      );
    }
  }
  switch (method) {
    case "message/send":
      return t.send(id, method, "0.3", p, false, scope, meta.extensions);
    case "SendMessage":
      return t.send(id, method, "1.0", p, false, scope, meta.extensions);
    case "message/stream":
      return t.send(id, method, "0.3", p, true, scope, meta.extensions);
    case "SendStreamingMessage":
      return t.send(id, method, "1.0", p, true, scope, meta.extensions);
    case "tasks/get":
      return q.getTask(id, "0.3", p);
    case "GetTask":
      return q.getTask(id, "1.0", p);
    case "tasks/cancel":
      return q.cancelTask(id, "0.3", p);
    case "CancelTask":
      return q.cancelTask(id, "1.0", p);
    case "tasks/resubscribe":
      return q.resubscribe(id, "0.3", p, scope);
    case "SubscribeToTask":
      return q.resubscribe(id, "1.0", p, scope);
    case "ListTasks":
      return q.listTasks(id, p);
  }
  const push = PUSH_METHODS[method];
  if (push !== undefined) {
    if (m.push === undefined) {
      return rpcError(
        id,
        A2AErrorCode.PushNotificationNotSupported,
        "Push notifications are not supported by this agent",
      );
    }
    return m.push.call(push[0], id, push[1], p);
  }
  if (method === "agent/getAuthenticatedExtendedCard" || method === "GetExtendedAgentCard") {
    const version = method === "GetExtendedAgentCard" ? "1.0" : "0.3";
    if (m.card === undefined) {
      // v1.0 §3.1.11: UnsupportedOperation when the card does not declare one; v0.3 has no such
      // distinction (the official 0.3 server answers -32007).
      return version === "1.0"
        ? rpcError(id, A2AErrorCode.UnsupportedOperation, "This agent has no extended agent card")
        : rpcError(
            id,
            A2AErrorCode.ExtendedCardNotConfigured,
            "This agent has no extended agent card",
          );
    }
    return m.card.get(id, version, meta);
  }
  return rpcError(id, A2AErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 64)}`);
}

/** The push-config methods by name: which one, in which dialect. */
const PUSH_METHODS: Record<string, ["set" | "get" | "list" | "delete", Version]> = {
  "tasks/pushNotificationConfig/set": ["set", "0.3"],
  "tasks/pushNotificationConfig/get": ["get", "0.3"],
  "tasks/pushNotificationConfig/list": ["list", "0.3"],
  "tasks/pushNotificationConfig/delete": ["delete", "0.3"],
  CreateTaskPushNotificationConfig: ["set", "1.0"],
  GetTaskPushNotificationConfig: ["get", "1.0"],
  ListTaskPushNotificationConfigs: ["list", "1.0"],
  DeleteTaskPushNotificationConfig: ["delete", "1.0"],
};

/** The frames of `stream`, ended by an error event (-32603) if it throws. */
async function* guarded(
  stream: AsyncGenerator<string, void, undefined>,
  id: CallId,
  failed: (err: unknown) => void,
): AsyncGenerator<string, void, undefined> {
  try {
    yield* stream;
  } catch (err) {
    failed(err);
    yield errorFrame(id, A2AErrorCode.InternalError, "Internal error: the stream failed");
  }
}
