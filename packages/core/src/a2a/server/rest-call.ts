// The routes of the HTTP+JSON binding (A2A v1.0 §11), served below the same endpoint as JSON-RPC
// (rest.ts): each route is a v1.0 method with its parameters taken from the path, the query and
// the body, run by the same dispatch (dispatch.ts) and answered without the JSON-RPC envelope
// (outcome.ts): the result as
// proto-JSON, errors as HTTP statuses with a `google.rpc.Status` body (rest-errors.ts), streams as
// SSE of `StreamResponse`s. The v0.3 binding's `/v1/...` routes (the v0.3 proto's own JSON) are
// not served: v0.3 callers use JSON-RPC, which every v0.3 client speaks.
import { exceedsJsonDepth } from "./body.js";
import { invokeMethod, type EndpointMethods } from "./dispatch.js";
import { A2AErrorCode } from "./errors.js";
import { isObj } from "./normalize.js";
import { HTTP_JSON, rpcError, type CallId, type Outcome } from "./outcome.js";
import { withJsonNames } from "./proto-names.js";
import { unsupportedVersion, type RequestMeta } from "./request-meta.js";
import { A2A_JSON, type RestTarget } from "./rest.js";
import type { Scope } from "./scope.js";

type Obj = Record<string, unknown>;

/** One route: the v1.0 method, and how its parameters are built. */
interface Op {
  method: string;
  params: (body: Obj, query: URLSearchParams, ids: string[]) => Obj;
}

const ids = (_b: Obj, _q: URLSearchParams, [taskId, id]: string[]): Obj => ({ taskId, id });

/** The routes, by path shape and HTTP method. */
const OPS = {
  send: { method: "SendMessage", params: (b) => b },
  stream: { method: "SendStreamingMessage", params: (b) => b },
  card: { method: "GetExtendedAgentCard", params: () => ({}) },
  list: {
    method: "ListTasks",
    params: (_b, q) => ({
      contextId: q.get("contextId") ?? undefined,
      status: q.get("status") ?? undefined,
      pageSize: int(q.get("pageSize")),
      pageToken: q.get("pageToken") ?? undefined,
      historyLength: int(q.get("historyLength")),
      statusTimestampAfter: q.get("statusTimestampAfter") ?? undefined,
      includeArtifacts: q.get("includeArtifacts") === "true",
    }),
  },
  get: {
    method: "GetTask",
    params: (_b, q, [id]) => ({ id, historyLength: int(q.get("historyLength")) }),
  },
  cancel: { method: "CancelTask", params: (b, _q, [id]) => ({ ...b, id }) },
  subscribe: { method: "SubscribeToTask", params: (_b, _q, [id]) => ({ id }) },
  createConfig: {
    method: "CreateTaskPushNotificationConfig",
    params: (b, _q, [taskId]) => ({ ...b, taskId }),
  },
  listConfigs: {
    method: "ListTaskPushNotificationConfigs",
    params: (_b, q, [taskId]) => ({
      taskId,
      pageSize: int(q.get("pageSize")),
      pageToken: q.get("pageToken") ?? undefined,
    }),
  },
  getConfig: { method: "GetTaskPushNotificationConfig", params: ids },
  deleteConfig: { method: "DeleteTaskPushNotificationConfig", params: ids },
} satisfies Record<string, Op>;

/** Which operations a path serves, by HTTP method. */
function routesOf(path: string): Partial<Record<string, Op>> | undefined {
  const seg = path.split("/").slice(1);
  if (seg.length === 1) {
    if (seg[0] === "message:send") return { POST: OPS.send };
    if (seg[0] === "message:stream") return { POST: OPS.stream };
    if (seg[0] === "extendedAgentCard") return { GET: OPS.card };
    return seg[0] === "tasks" ? { GET: OPS.list } : undefined;
  }
  if (seg[0] !== "tasks" || seg[1] === "" || seg.length > 4) return undefined;
  const [, task = "", sub, config] = seg;
  if (sub === undefined) {
    const action = task.includes(":") ? task.slice(task.lastIndexOf(":") + 1) : "";
    if (action === "cancel") return { POST: OPS.cancel };
    // POST per the spec's table (§11.3.2), GET per its proto's http rule: both are served.
    if (action === "subscribe") return { POST: OPS.subscribe, GET: OPS.subscribe };
    return { GET: OPS.get };
  }
  if (sub !== "pushNotificationConfigs" || config === "") return undefined;
  if (config === undefined) return { POST: OPS.createConfig, GET: OPS.listConfigs };
  return { GET: OPS.getConfig, DELETE: OPS.deleteConfig };
}

/**
 * The operation a method and path address: an {@link Op}, `undefined` for a path the binding does
 * not have, or the HTTP methods the path allows.
 */
function opOf(httpMethod: string, path: string): Op | string | undefined {
  const routes = routesOf(path);
  if (routes === undefined) return undefined;
  return routes[httpMethod] ?? Object.keys(routes).join(", ");
}

/** A query number as a number when it is one (else as sent: the method's check refuses it). */
function int(v: string | null): number | string | undefined {
  if (v === null || v === "") return undefined;
  return /^-?\d{1,9}$/.test(v) ? Number(v) : v;
}

/** The task and config ids in a path (`/tasks/{id}[:action][/pushNotificationConfigs/{id}]`). */
function idsOf(path: string): string[] | undefined {
  const seg = path.split("/");
  const task = seg[2];
  if (task === undefined) return [];
  const colon = task.lastIndexOf(":");
  const raw = [colon === -1 || seg.length > 3 ? task : task.slice(0, colon)];
  if (seg[4] !== undefined) raw.push(seg[4]);
  try {
    return raw.map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Runs one HTTP+JSON request whose body (`input`, `""` when none) was read within the limits. */
export function restCall(
  target: RestTarget,
  httpMethod: string,
  input: unknown,
  meta: RequestMeta,
  scope: Scope,
  maxDepth: number,
  methods: EndpointMethods,
  report?: (err: unknown, method: string, requestId: CallId) => void,
): Outcome | Promise<Outcome> {
  const op = opOf(httpMethod, target.path);
  if (op === undefined) return rpcError(HTTP_JSON, A2AErrorCode.MethodNotFound, "Not found");
  if (typeof op === "string") {
    const o = rpcError(HTTP_JSON, A2AErrorCode.InvalidRequest, `Method not allowed; use ${op}`);
    return { ...o, status: 405, headers: { allow: op } } as Outcome;
  }
  if (unsupportedVersion(meta.version)) {
    return rpcError(
      HTTP_JSON,
      A2AErrorCode.VersionNotSupported,
      `A2A-Version ${JSON.stringify(meta.version!.slice(0, 32))} is not supported; use 1.0`,
    );
  }
  const ids = idsOf(target.path);
  if (ids === undefined) {
    return rpcError(
      HTTP_JSON,
      A2AErrorCode.InvalidParams,
      "Invalid params: bad escape in the path",
    );
  }
  let body: unknown = httpMethod === "POST" ? input : {};
  if (typeof body === "string") {
    if (exceedsJsonDepth(body, maxDepth)) {
      return rpcError(
        HTTP_JSON,
        A2AErrorCode.InvalidRequest,
        `JSON nesting exceeds ${maxDepth} levels`,
      );
    }
    try {
      body = body.trim() === "" ? {} : JSON.parse(body);
    } catch {
      return rpcError(
        HTTP_JSON,
        A2AErrorCode.ParseError,
        "Parse error: the body is not valid JSON",
      );
    }
  }
  if (!isObj(body)) {
    return rpcError(
      HTTP_JSON,
      A2AErrorCode.InvalidParams,
      "Invalid params: the body must be a JSON object",
    );
  }
  const params = op.params(withJsonNames(body), new URLSearchParams(target.query), ids);
  const call = { id: HTTP_JSON, method: op.method, params, scope, meta } as const;
  const out = invokeMethod(call, methods, report);
  const shape = (o: Outcome): Outcome => {
    if ("stream" in o) return o;
    if (o.status === 200 && op.method === "DeleteTaskPushNotificationConfig") {
      return { status: 204, body: "" };
    }
    const created = o.status === 200 && op.method === "CreateTaskPushNotificationConfig";
    return {
      status: created ? 201 : o.status,
      body: o.body,
      headers: { ...A2A_JSON, ...o.headers },
    };
  };
  return out instanceof Promise ? out.then(shape) : shape(out);
}
