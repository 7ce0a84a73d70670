// What the HTTP adapters (node:http, web fetch) need from the endpoint: routes, limits, the
// JSON-RPC core, the set of running scopes and the error hook.
import type { Outcome } from "./outcome.js";
import type { EndpointRoutes } from "./routes.js";
import type { RequestId, Scope } from "./scope.js";

/** The transport-neutral endpoint an adapter serves. */
export interface EndpointCore {
  readonly routes: EndpointRoutes;
  /** Request body limit in bytes. */
  readonly maxBody: number;
  /** True once `close()` was called: new requests get HTTP 503. */
  readonly closed: boolean;
  /** Scopes of requests and tasks still running (aborted by `close()`). */
  readonly inflight: Set<Scope>;
  /** Parses one JSON-RPC request and runs it; synchronous unless the handler is. */
  rpc(input: unknown, versionHeader: string | undefined, scope: Scope): Outcome | Promise<Outcome>;
  /** Hands an error to `onError` (never throws). */
  report(err: unknown, method: string, requestId: RequestId): void;
}
