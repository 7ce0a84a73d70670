// The A2A gRPC binding (A2A v1.0 §10) over an endpoint made by createA2AHandler: each RPC is the
// HTTP+JSON route of the same v1.0 method, run in-process through the handler's `handleFetch`,
// so the dispatch, the refusals, the limits and the task scope are the ones JSON-RPC and
// HTTP+JSON have. Requests and answers are converted with @a2a-js/sdk's generated proto messages
// (binary on the wire, proto-JSON to the endpoint). The path secret is the request's `tenant`.
import { createHash, timingSafeEqual } from "node:crypto";
import type {
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status as Status } from "@grpc/grpc-js";
import {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  SendMessageResponse,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from "@a2a-js/sdk";
import type { A2AHandler } from "@molecule-ai/agent-core/a2a";
import { requestOnConnection } from "@molecule-ai/agent-core/a2a";
import { MoleculeOptionError } from "@molecule-ai/agent-core";
import { errorOfAnswer, grpcError, type GrpcError } from "./errors.js";
import { sseEvents } from "./sse.js";

type Json = Record<string, unknown>;

/** Converts one proto message to and from proto-JSON (@a2a-js/sdk's generated messages). */
interface JsonCodec<T> {
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/** The HTTP+JSON request an RPC becomes. */
interface Route {
  method: "GET" | "POST" | "DELETE";
  /** Below the endpoint, with its query. */
  path: string;
  body?: Json;
}

/** Options of {@link createA2AGrpcService}. */
export interface A2AGrpcServiceOptions {
  /** The endpoint to serve (`createA2AHandler(...)`): its dispatch, limits and task store. */
  handler: A2AHandler;
  /**
   * The handler's `pathSecret`: a gRPC call must carry it as its request's `tenant` (the card lists
   * it as the `GRPC` interface's tenant when `createA2AHandler` has `grpcUrl`), else it is refused
   * with `UNAUTHENTICATED` and runs nothing. `false` (the handler has none) serves every caller.
   */
  pathSecret: string | false;
}

/** The `lf.a2a.v1.A2AService` implementation for a `grpc.Server` (with `A2AService`). */
export interface A2AGrpcService {
  /** Pass to `server.addService(A2AService, service.implementation)`. */
  readonly implementation: UntypedServiceImplementation;
  /**
   * Cancels the calls in flight: each handler's `signal` aborts (as on a disconnect) and each call
   * ends with `UNAVAILABLE`. Resolves when every call has returned (a handler that ignores its
   * signal keeps running, but no call waits for it).
   */
  close(): Promise<void>;
}

/** One call in flight. */
interface InFlight {
  /** Aborted when the caller cancels the call or the service closes. */
  readonly abort: AbortController;
  /** The connection it came on (the endpoint's body budget gives one connection one share). */
  readonly connection: Connection;
  /**
   * The Request the call runs as, held until the call ends: its `signal` (the handler's, through
   * the endpoint) follows `abort.signal` through a link the Request owns and the signal holds
   * only weakly, so a dropped Request is collected and a cancel no longer reaches the handler.
   */
  request?: Request;
}

/** A connection with calls in flight, by its peer's address. */
interface Connection {
  readonly peer: string;
  calls: number;
}

/** What the endpoint's answer resolves to when the call was aborted first. */
const ABORTED = Symbol("aborted");

const enc = encodeURIComponent;

/** An authority a card may name: a host name or IP literal and an optional port. */
const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/** The route of each unary RPC from its request as proto-JSON. */
const ROUTES = {
  sendMessage: (r: Json): Route => ({ method: "POST", path: "/message:send", body: r }),
  getTask: (r: Json): Route => ({
    method: "GET",
    path: `/tasks/${enc(str(r["id"]))}${query({ historyLength: r["historyLength"] })}`,
  }),
  cancelTask: ({ id, ...body }: Json): Route => ({
    method: "POST",
    path: `/tasks/${enc(str(id))}:cancel`,
    body,
  }),
  listTasks: (r: Json): Route => ({ method: "GET", path: `/tasks${query(r)}` }),
  createTaskPushNotificationConfig: ({ taskId, ...body }: Json): Route => ({
    method: "POST",
    path: `/tasks/${enc(str(taskId))}/pushNotificationConfigs`,
    body,
  }),
  getTaskPushNotificationConfig: (r: Json): Route => ({
    method: "GET",
    path: `/tasks/${enc(str(r["taskId"]))}/pushNotificationConfigs/${enc(str(r["id"]))}`,
  }),
  listTaskPushNotificationConfigs: ({ taskId, ...q }: Json): Route => ({
    method: "GET",
    path: `/tasks/${enc(str(taskId))}/pushNotificationConfigs${query(q)}`,
  }),
  deleteTaskPushNotificationConfig: (r: Json): Route => ({
    method: "DELETE",
    path: `/tasks/${enc(str(r["taskId"]))}/pushNotificationConfigs/${enc(str(r["id"]))}`,
  }),
  getExtendedAgentCard: (): Route => ({ method: "GET", path: "/extendedAgentCard" }),
};

const EMPTY: JsonCodec<object> = { fromJSON: () => ({}), toJSON: () => ({}) };

/**
 * The A2A gRPC service (`lf.a2a.v1.A2AService`, A2A v1.0) of an endpoint made by
 * `createA2AHandler`: every RPC runs as the same v1.0 method over HTTP+JSON would, in-process.
 *
 * @example
 * const server = new grpc.Server();
 * const service = createA2AGrpcService({ handler: a2a, pathSecret });
 * server.addService(A2AService, service.implementation);
 */
export function createA2AGrpcService(options: A2AGrpcServiceOptions): A2AGrpcService {
  return new GrpcEndpoint(options);
}

/** One endpoint's RPCs. */
class GrpcEndpoint implements A2AGrpcService {
  readonly implementation: UntypedServiceImplementation;
  readonly #handler: A2AHandler;
  readonly #secret: Buffer | undefined;
  readonly #inflight = new Set<InFlight>();
  readonly #connections = new Map<string, Connection>();
  /** The calls' own promises, for close() to wait on. */
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(options: A2AGrpcServiceOptions) {
    const handler = options?.handler;
    if (typeof handler?.handleFetch !== "function") {
      throw new MoleculeOptionError(
        "handler",
        "createA2AGrpcService: handler must be the endpoint from createA2AHandler(...).",
      );
    }
    if (
      options.pathSecret !== false &&
      (typeof options.pathSecret !== "string" || options.pathSecret === "")
    ) {
      throw new MoleculeOptionError(
        "pathSecret",
        "createA2AGrpcService: pathSecret must be the handler's path secret (or false when it has none); an unset environment variable reads as undefined and opens nothing.",
      );
    }
    this.#handler = handler;
    this.#secret = options.pathSecret === false ? undefined : digest(options.pathSecret);
    const unary =
      <Req, Res>(req: JsonCodec<Req>, res: JsonCodec<Res>, route: (r: Json) => Route) =>
      (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void =>
        this.#run(this.#unary(call, callback, req, res, route));
    const stream =
      <Req>(req: JsonCodec<Req>, route: (r: Json) => Route) =>
      (call: ServerWritableStream<Req, StreamResponse>): void =>
        this.#run(this.#stream(call, req, route));
    this.implementation = {
      sendMessage: unary(SendMessageRequest, SendMessageResponse, ROUTES.sendMessage),
      sendStreamingMessage: stream(SendMessageRequest, (r) => ({
        method: "POST",
        path: "/message:stream",
        body: r,
      })),
      getTask: unary(GetTaskRequest, Task, ROUTES.getTask),
      listTasks: unary(ListTasksRequest, ListTasksResponse, ROUTES.listTasks),
      cancelTask: unary(CancelTaskRequest, Task, ROUTES.cancelTask),
      subscribeToTask: stream(SubscribeToTaskRequest, (r) => ({
        method: "POST",
        path: `/tasks/${enc(str(r["id"]))}:subscribe`,
      })),
      createTaskPushNotificationConfig: unary(
        TaskPushNotificationConfig,
        TaskPushNotificationConfig,
        ROUTES.createTaskPushNotificationConfig,
      ),
      getTaskPushNotificationConfig: unary(
        GetTaskPushNotificationConfigRequest,
        TaskPushNotificationConfig,
        ROUTES.getTaskPushNotificationConfig,
      ),
      listTaskPushNotificationConfigs: unary(
        ListTaskPushNotificationConfigsRequest,
        ListTaskPushNotificationConfigsResponse,
        ROUTES.listTaskPushNotificationConfigs,
      ),
      getExtendedAgentCard: unary(
        GetExtendedAgentCardRequest,
        AgentCard,
        ROUTES.getExtendedAgentCard,
      ),
      deleteTaskPushNotificationConfig: unary(
        DeleteTaskPushNotificationConfigRequest,
        EMPTY,
        ROUTES.deleteTaskPushNotificationConfig,
      ),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const c of this.#inflight) c.abort.abort();
    await Promise.all(this.#running);
  }

  /** Keeps a call's promise until it settles (each call answers its own errors). */
  #run(call: Promise<void>): void {
    this.#running.add(call);
    const settled = (): void => void this.#running.delete(call);
    call.then(settled, settled);
  }

  async #unary<Req, Res>(
    call: ServerUnaryCall<Req, Res>,
    callback: sendUnaryData<Res>,
    req: JsonCodec<Req>,
    res: JsonCodec<Res>,
    route: (r: Json) => Route,
  ): Promise<void> {
    const flight = this.#track(call);
    try {
      const answer = await this.#fetch(call, req, route, flight);
      if (answer === ABORTED) return callback(this.#aborted());
      if (!("status" in answer)) return callback(answer);
      const text = await answer.text();
      if (!answer.ok) return callback(errorOfAnswer(answer.status, text, retryAfterOf(answer)));
      callback(null, res.fromJSON(text === "" ? {} : JSON.parse(text)));
    } catch {
      callback(grpcError(Status.INTERNAL, "Internal error"));
    } finally {
      this.#untrack(flight);
    }
  }

  async #stream<Req>(
    call: ServerWritableStream<Req, StreamResponse>,
    req: JsonCodec<Req>,
    route: (r: Json) => Route,
  ): Promise<void> {
    const flight = this.#track(call);
    const { signal } = flight.abort;
    try {
      const answer = await this.#fetch(call, req, route, flight);
      if (answer === ABORTED) return void call.emit("error", toError(this.#aborted()));
      if (!("status" in answer)) return void call.emit("error", toError(answer));
      if (!answer.ok || answer.body === null) {
        const text = await answer.text();
        return void call.emit(
          "error",
          toError(errorOfAnswer(answer.status, text, retryAfterOf(answer))),
        );
      }
      // Piped with the call's signal: an abort cancels the endpoint's stream (its task runs on)
      // and ends this loop even while it waits for the next event.
      const events = answer.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(), {
        signal,
      });
      for await (const e of sseEvents(events)) {
        if (signal.aborted) break;
        if (e.event === "error")
          return void call.emit("error", toError(errorOfAnswer(500, e.data)));
        if (!call.write(StreamResponse.fromJSON(JSON.parse(e.data)))) {
          await new Promise<void>((resolve) => {
            call.once("drain", resolve);
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
        }
      }
      if (signal.aborted) call.emit("error", toError(this.#aborted()));
      else call.end();
    } catch {
      call.emit(
        "error",
        toError(signal.aborted ? this.#aborted() : grpcError(Status.INTERNAL, "Internal error")),
      );
    } finally {
      this.#untrack(flight);
    }
  }

  /** The call's entry in the calls in flight, aborted when the caller cancels it. */
  #track(
    call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
  ): InFlight {
    const peer = call.getPeer();
    let connection = this.#connections.get(peer);
    if (connection === undefined) {
      connection = { peer, calls: 0 };
      this.#connections.set(peer, connection);
    }
    connection.calls++;
    const flight: InFlight = { abort: new AbortController(), connection };
    this.#inflight.add(flight);
    call.once("cancelled", () => flight.abort.abort());
    if (this.#closed) flight.abort.abort();
    return flight;
  }

  /** The call ended: out of the calls in flight, and its connection's. */
  #untrack(flight: InFlight): void {
    this.#inflight.delete(flight);
    const { connection } = flight;
    if (--connection.calls === 0) this.#connections.delete(connection.peer);
  }

  /** The status of a call aborted before its answer (the caller may be gone: then it is dropped). */
  #aborted(): GrpcError {
    return this.#closed
      ? grpcError(Status.UNAVAILABLE, "The server is closing: retry the call later")
      : grpcError(Status.CANCELLED, "The call was cancelled");
  }

  /**
   * Runs the call's route on the endpoint: its HTTP answer, the refusal of its tenant, or
   * {@link ABORTED} when the call is aborted first (a handler that ignores its signal holds no
   * call open; a late answer's stream is cancelled).
   */
  async #fetch<Req>(
    call: ServerUnaryCall<Req, unknown> | ServerWritableStream<Req, unknown>,
    req: JsonCodec<Req>,
    route: (r: Json) => Route,
    flight: InFlight,
  ): Promise<Response | GrpcError | typeof ABORTED> {
    const { tenant, ...json } = (req.toJSON(call.request) ?? {}) as Json;
    if (!this.#admits(tenant)) {
      return grpcError(
        Status.UNAUTHENTICATED,
        "Unknown tenant: send the tenant of the GRPC interface in this agent's card",
      );
    }
    const r = route(json);
    // A POST always has a JSON body, as the HTTP+JSON routes ask (`:subscribe` reads none).
    const body = r.body ?? (r.method === "POST" ? {} : undefined);
    const headers = new Headers();
    for (const [key, value] of Object.entries(call.metadata.getMap())) {
      if (typeof value === "string" && !key.startsWith("grpc-")) headers.set(key, value);
    }
    // The authority the caller reached (a card built per request names it, as over HTTP).
    const host = call.getHost();
    if (HOST.test(host)) headers.set("host", host);
    if (body !== undefined) headers.set("content-type", "application/json");
    headers.delete("content-length");
    const url = `http://grpc.localhost${this.#handler.endpointPath.replace(/\/$/, "")}${r.path}`;
    const { signal } = flight.abort;
    if (signal.aborted) return ABORTED;
    const request = new Request(url, {
      method: r.method,
      headers,
      signal,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    flight.request = requestOnConnection(request, flight.connection);
    const answer = this.#handler.handleFetch(flight.request);
    const aborted = new Promise<typeof ABORTED>((resolve) =>
      signal.addEventListener("abort", () => resolve(ABORTED), { once: true }),
    );
    const first = await Promise.race([answer, aborted]);
    if (first === ABORTED) {
      answer
        .then(
          (late) => late.body?.cancel(),
          () => undefined,
        )
        .catch(() => undefined);
    }
    return first;
  }

  /** Whether a request's tenant is the path secret (always, without one); constant time. */
  #admits(tenant: unknown): boolean {
    if (this.#secret === undefined) return true;
    return typeof tenant === "string" && timingSafeEqual(digest(tenant), this.#secret);
  }
}

/** The answer's `Retry-After` header, when it has one. */
function retryAfterOf(answer: Response): string | null {
  return answer.headers.get("retry-after");
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** `?a=1&b=x` from the fields that are set (`""` when none). */
function query(fields: Json): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

/** A gRPC status as the error a server stream is destroyed with. */
function toError(e: GrpcError): Error {
  return Object.assign(new Error(e.details), {
    code: e.code,
    details: e.details,
    metadata: e.metadata,
  });
}
