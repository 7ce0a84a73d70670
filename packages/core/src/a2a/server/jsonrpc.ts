// The JSON-RPC 2.0 front end: nesting limit, envelope validation, the A2A-Version header, then the
// method by its v0.3 or v1.0 name (dispatch.ts, shared with the HTTP+JSON front end).
import { exceedsJsonDepth, exceedsValueDepth } from "./body.js";
import { invokeMethod, STREAM_METHODS, type EndpointMethods } from "./dispatch.js";
import { A2AErrorCode } from "./errors.js";
import { isObj } from "./normalize.js";
import { withJsonNames } from "./proto-names.js";
import { rpcError, type CallId, type Outcome } from "./outcome.js";
import { errorDetails } from "./rest-errors.js";
import { unsupportedVersion, type RequestMeta } from "./request-meta.js";
import type { RequestId, Scope } from "./scope.js";

/**
 * Parses one JSON-RPC request (`input`: the body text, or a value a framework already parsed) and
 * runs its method; synchronous unless the method is.
 */
export function dispatchRpc(
  input: unknown,
  meta: RequestMeta,
  scope: Scope,
  maxDepth: number,
  methods: EndpointMethods,
  report?: (err: unknown, method: string, requestId: CallId) => void,
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
  const v1 = !method.includes("/");
  const refuse = (o: Outcome): Outcome => (preStream ? asEvents(o, scope) : o);
  const version = meta.version;
  if (unsupportedVersion(version)) {
    return (v1 ? withErrorInfo : refuse)(
      rpcError(
        id,
        A2AErrorCode.VersionNotSupported,
        `A2A-Version ${JSON.stringify(version!.slice(0, 32))} is not supported; use 0.3 or 1.0`,
      ),
    );
  }
  const params = req["params"];
  if (params !== undefined && !isObj(params)) {
    return refuse(
      rpcError(id, A2AErrorCode.InvalidParams, "Invalid params: params must be an object"),
    );
  }
  // v1.0 (`SendMessage`, no "/") is proto-JSON: its parsers take the proto names (`message_id`) too.
  const given = params ?? {};
  const args = v1 ? withJsonNames(given) : given;
  const out = invokeMethod({ id, method, params: args, scope, meta }, methods, report);
  if (v1) return out instanceof Promise ? out.then(withErrorInfo) : withErrorInfo(out);
  if (!preStream) return out;
  const asStream = (o: Outcome): Outcome => ("stream" in o ? o : refuse(o));
  return out instanceof Promise ? out.then(asStream) : asStream(out);
}

/**
 * A v1.0 answer whose A2A error (-32001 to -32099) carries the `google.rpc.ErrorInfo` naming it
 * (reason `TASK_NOT_FOUND`, ..., domain `a2a-protocol.org`) in an `error.data` array, as A2A v1.0
 * §9.5 requires (HTTP+JSON's `details` are the same list); the error's own `data`, if any, follows
 * it (a Molecule error's as an ErrorInfo of domain `molecule.ai`). Other answers are unchanged.
 */
function withErrorInfo(o: Outcome): Outcome {
  if ("stream" in o || o.status !== 200 || !o.body.includes('"error":{"code":-320')) return o;
  const res = JSON.parse(o.body) as { error: { code: number; data?: unknown } };
  const { code, data } = res.error;
  if (code > -32001 || code < -32099) return o;
  const details: unknown[] = errorDetails(code, data);
  if (data !== undefined && !(isObj(data) && typeof data["code"] === "string")) details.push(data);
  res.error.data = details;
  return { ...o, body: JSON.stringify(res) };
}

/** A JSON-RPC error answer as a stream of one `event: error` (other answers unchanged). */
function asEvents(o: Outcome, scope: Scope): Outcome {
  if ("stream" in o || o.status !== 200) return o;
  return { status: 200, stream: once(`event: error\ndata: ${o.body}\n\n`), scope };
}

async function* once(frame: string): AsyncGenerator<string, void, undefined> {
  yield frame;
}
