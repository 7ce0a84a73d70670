// What the HTTP adapters (node:http, web fetch) need from the endpoint: routes, limits, the two
// front ends (JSON-RPC, HTTP+JSON) over one dispatch, the set of running scopes and the error hook.
import type { BodyBudget } from "./body-budget.js";
import type { CallId, Outcome } from "./outcome.js";
import type { RequestMeta } from "./request-meta.js";
import type { RestTarget } from "./rest.js";
import type { EndpointRoutes } from "./routes.js";
import type { Scope } from "./scope.js";

/** The transport-neutral endpoint an adapter serves. */
export interface EndpointCore {
  readonly routes: EndpointRoutes;
  /** Request body limit in bytes. */
  readonly maxBody: number;
  /** The bytes of request bodies held at once, from their read to their answer. */
  readonly budget: BodyBudget;
  /** True once `close()` was called: new requests get HTTP 503. */
  readonly closed: boolean;
  /** Scopes of requests and tasks still running (aborted by `close()`). */
  readonly inflight: Set<Scope>;
  /** The extension URIs the card declares (the only ones read from a request). */
  readonly extensions: ReadonlySet<string>;
  /** Parses one JSON-RPC request and runs it; synchronous unless the handler is. */
  rpc(input: unknown, meta: RequestMeta, scope: Scope): Outcome | Promise<Outcome>;
  /** Runs one HTTP+JSON request whose body (`""` when none) was read. */
  rest(
    target: RestTarget,
    httpMethod: string,
    input: unknown,
    meta: RequestMeta,
    scope: Scope,
  ): Outcome | Promise<Outcome>;
  /** Hands an error to `onError` (never throws). */
  report(err: unknown, method: string, requestId: CallId): void;
}
