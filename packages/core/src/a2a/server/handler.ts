// The A2A push endpoint: the JSON-RPC binding (v0.3 `message/send` ... and v1.0 `SendMessage` ...)
// and the HTTP+JSON binding (v1.0 `POST /message:send` ...) over one dispatch, the hybrid agent
// card (signed on request), push notifications, the extended card, and the transport checks (path
// secret, content type, body size, nesting). This file assembles the pieces: routes and card
// (`routes.ts`), transport checks (`http-checks.ts`), the front ends (`jsonrpc.ts`, `rest.ts`) and
// their dispatch (`dispatch.ts`), the methods (`methods.ts`, `task-queries.ts`,
// `push-config-methods.ts`, `extended-card.ts`), push delivery (`push-notifier.ts`) and the
// node:http and fetch adapters (`node-adapter.ts`, `fetch-adapter.ts`).
import type { IncomingMessage, ServerResponse } from "node:http";
import { MoleculeOptionError } from "../../transport/index.js";
import { declaredExtensions } from "../card.js";
import { BodyBudget, defaultBodyBudget } from "./body-budget.js";
import type { EndpointCore } from "./endpoint-core.js";
import { ExtendedCardMethod } from "./extended-card.js";
import { handleFetch } from "./fetch-adapter.js";
import type { A2AHandler, A2AHandlerOptions } from "./handler-types.js";
import { keepsPushConfigs, pushDeliveryOf, PushNotifications } from "./handler-push.js";
import { dispatchRpc } from "./jsonrpc.js";
import { A2AMethods } from "./methods.js";
import { ContextIds } from "./context-ids.js";
import { NodeAdapter } from "./node-adapter.js";
import { PlatformSecretCheck, refusePlatformFetch, refusePlatformNode } from "./platform-auth.js";
import { claimedOnMessage, claimsOf } from "./push-claims.js";
import type { restCall } from "./rest-call.js";
import { EndpointRoutes, type Route } from "./routes.js";
import { requestIdOf, type CallId } from "./outcome.js";
import { CLOSED, type Scope } from "./scope.js";
import { type A2ATaskStore, MemoryTaskStore } from "./store.js";

/** The core with its mutable shutdown flag. */
type EndpointState = EndpointCore & { closed: boolean };

/**
 * Whether a route needs the platform's bearer (`platformSecret`): every route of the endpoint but
 * its public card and the card's keys; `undefined` (a wrong path) is left to answer 404.
 */
function guarded(route: Route | undefined): boolean {
  return route !== undefined && route !== "card" && route !== "jwks";
}

/**
 * Creates the A2A push endpoint. Serves JSON-RPC POSTs on `basePath` plus `/<pathSecret>` (on
 * `basePath` itself only with `pathSecret: false`; an undefined secret is refused with
 * `MoleculeOptionError`) and the hybrid agent card on `GET <endpoint>/.well-known/agent-card.json` (and `agent.json`).
 *
 * @example
 * const a2a = createA2AHandler({ agentCard: { name: "echo" }, pathSecret: generatePathSecret(),
 *   onMessage: (m) => m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("") });
 * http.createServer((req, res) => void a2a.handleNode(req, res)).listen(8080);
 */
export function createA2AHandler(options: A2AHandlerOptions): A2AHandler {
  return new A2AEndpoint(options);
}

/** The handler object: delegates to the adapters over one transport-neutral core. */
class A2AEndpoint implements A2AHandler {
  readonly endpointPath: string;
  readonly #core: EndpointState;
  readonly #methods: A2AMethods;
  readonly #push: PushNotifications | undefined;
  readonly #node: NodeAdapter;
  /** The `platformSecret` option's check, when set. */
  readonly #platform: PlatformSecretCheck | undefined;

  constructor(options: A2AHandlerOptions) {
    if (typeof options?.onMessage !== "function") {
      throw new MoleculeOptionError(
        "onMessage",
        "createA2AHandler: onMessage must be a function (message, ctx) => result.",
      );
    }
    this.#platform =
      options.platformSecret === undefined
        ? undefined
        : new PlatformSecretCheck(options.platformSecret);
    const streaming = options.streaming === true;
    const store = taskStoreOf(options);
    const workspaceId = workspaceIdOf(options);
    const delivery = pushDeliveryOf(options.pushNotifications, keepsPushConfigs(store));
    const extended = options.extendedAgentCard;
    if (extended !== undefined && typeof extended?.authorize !== "function") {
      throw new MoleculeOptionError(
        "extendedAgentCard.authorize",
        "createA2AHandler: extendedAgentCard.authorize must be a function (headers) => boolean that checks the caller's credentials.",
      );
    }
    const serves = {
      streaming,
      pushNotifications: delivery !== undefined,
      extendedAgentCard: extended !== undefined,
      grpc: grpcOf(options),
    };
    const routes = new EndpointRoutes({ ...options, serves });
    this.endpointPath = routes.endpointPath;
    const maxBody = options.maxBodyBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(maxBody) || maxBody <= 0) {
      throw new MoleculeOptionError(
        "maxBodyBytes",
        `createA2AHandler: maxBodyBytes must be a positive integer (got ${maxBody}).`,
      );
    }
    const inFlight = options.maxBodyBytesInFlight ?? defaultBodyBudget(maxBody);
    if (!Number.isSafeInteger(inFlight) || inFlight <= 0) {
      throw new MoleculeOptionError(
        "maxBodyBytesInFlight",
        `createA2AHandler: maxBodyBytesInFlight must be a positive integer (got ${inFlight}).`,
      );
    }
    const maxDepth = options.maxDepth ?? 64;
    const { onError } = options;
    const inflight = new Set<Scope>();
    const report = (err: unknown, method: string, requestId: CallId): void => {
      try {
        onError?.(err, { method, requestId: requestIdOf(requestId) });
      } catch {
        // a failing error hook must not take the server down
      }
    };
    const claims = claimsOf(options);
    const push =
      delivery !== undefined && keepsPushConfigs(store)
        ? new PushNotifications(store, workspaceId, delivery, report)
        : undefined;
    this.#push = push;
    const methods = new A2AMethods({
      onMessage: claims
        ? claimedOnMessage(options.onMessage, claims, workspaceId, report)
        : options.onMessage,
      streaming,
      textAsTask: options.textResult === "task",
      store,
      workspaceId,
      contexts: new ContextIds(options.pathSecret),
      // A task's history is bounded like one request: memory is at most maxTasks times the limit.
      maxHistoryBytes: maxBody,
      maxSubscribers: maxSubscribersOf(options),
      unwatchedTaskTtlMs: unwatchedTtlOf(options),
      inflight,
      report,
      ...(push !== undefined ? { notify: (task) => push.notify(task), push } : {}),
    });
    this.#methods = methods;
    const card =
      extended === undefined
        ? undefined
        : new ExtendedCardMethod(
            extended,
            (c, headers, version) => routes.build(c, originOf(headers), version),
            report,
          );
    const all = {
      tasks: methods,
      queries: methods.queries,
      push,
      card,
      required: declaredExtensions(options.agentCard)
        .filter((e) => e.required === true)
        .map((e) => e.uri),
    };
    // The HTTP+JSON routes load with the first request for one.
    let rest: Promise<typeof restCall> | undefined;
    this.#core = {
      routes,
      maxBody,
      budget: new BodyBudget(inFlight, maxBody),
      closed: false,
      inflight,
      report,
      extensions: new Set(declaredExtensions(options.agentCard).map((e) => e.uri)),
      rpc: (input, meta, scope) => dispatchRpc(input, meta, scope, maxDepth, all, report),
      rest: (target, httpMethod, input, meta, scope) =>
        (rest ??= import("./rest-call.js").then((m) => m.restCall)).then((call) =>
          call(target, httpMethod, input, meta, scope, maxDepth, all, report),
        ),
    };
    this.#node = new NodeAdapter(this.#core);
  }

  async handleNode(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    // A wrong path stays a 404 (the path secret first), whatever its bearer.
    if (this.#platform !== undefined && guarded(this.#core.routes.route(req.url ?? "/"))) {
      const verdict = await this.#platform.verdict(req.method, req.headers.authorization);
      if (verdict !== "pass") return refusePlatformNode(req, res, verdict);
    }
    return await this.#node.handle(req, res, body);
  }

  async handleFetch(request: Request): Promise<Response> {
    if (this.#platform !== undefined && this.#routed(request.url)) {
      const auth = request.headers.get("authorization");
      const verdict = await this.#platform.verdict(request.method, auth);
      if (verdict !== "pass") return refusePlatformFetch(verdict);
    }
    return await handleFetch(this.#core, request);
  }

  /** Whether a fetch request's URL is one of the endpoint's guarded routes (see {@link guarded}). */
  #routed(raw: string): boolean {
    const url = new URL(raw);
    return guarded(this.#core.routes.route(url.pathname + url.search));
  }

  async close(): Promise<void> {
    this.#core.closed = true;
    for (const scope of this.#core.inflight) scope.abort(CLOSED);
    this.#core.inflight.clear();
    await this.#methods.close(CLOSED);
    await this.#push?.close();
  }
}

/** The origin a request reached (for a card built per request, without `publicUrl`). */
function originOf(headers: Headers): string {
  return `http://${headers.get("host") ?? "localhost"}`;
}

/** The `workspaceId` option (checked): `""` when unset. */
function workspaceIdOf(options: A2AHandlerOptions): string {
  const ws = options.workspaceId ?? "";
  if (typeof ws !== "string") {
    throw new MoleculeOptionError("workspaceId", "createA2AHandler: workspaceId must be a string.");
  }
  return ws;
}

/** The `grpcUrl` option (checked), with the path secret as the interface's tenant. */
function grpcOf(options: A2AHandlerOptions): { url: string; tenant?: string } | undefined {
  const url = options.grpcUrl;
  if (url === undefined) return undefined;
  if (typeof url !== "string" || url === "") {
    throw new MoleculeOptionError(
      "grpcUrl",
      'createA2AHandler: grpcUrl must be the gRPC server\'s address, e.g. "agent.example.com:50051".',
    );
  }
  return typeof options.pathSecret === "string" ? { url, tenant: options.pathSecret } : { url };
}

/** The `maxSubscribersPerTask` option (checked), default 32. */
function maxSubscribersOf(options: A2AHandlerOptions): number {
  const max = options.maxSubscribersPerTask ?? 32;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new MoleculeOptionError(
      "maxSubscribersPerTask",
      `createA2AHandler: maxSubscribersPerTask must be a positive integer (got ${max}).`,
    );
  }
  return max;
}

/** The `unwatchedTaskTtlMs` option (checked), default 10 minutes. */
function unwatchedTtlOf(options: A2AHandlerOptions): number {
  const ttl = options.unwatchedTaskTtlMs ?? 600_000;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > 2_147_483_647) {
    throw new MoleculeOptionError(
      "unwatchedTaskTtlMs",
      `createA2AHandler: unwatchedTaskTtlMs must be a whole number of milliseconds from 1 to 2147483647 (got ${ttl}).`,
    );
  }
  return ttl;
}

/** The `taskStore` option (checked), else an in-memory store of `maxTasks` tasks. */
function taskStoreOf(options: A2AHandlerOptions): A2ATaskStore {
  const store = options.taskStore;
  if (store === undefined) return new MemoryTaskStore(options.maxTasks ?? 1000);
  const s = store as Partial<A2ATaskStore> | null;
  if (
    typeof s?.get !== "function" ||
    typeof s.save !== "function" ||
    typeof s.cancel !== "function"
  ) {
    throw new MoleculeOptionError(
      "taskStore",
      "createA2AHandler: taskStore must implement get, save and cancel (e.g. createPostgresStore(...).tasks).",
    );
  }
  return store;
}
