// The gRPC binding (A2A v1.0 §10) of a remote A2A agent, for `RemoteA2AAgent`: core has no gRPC
// stack, so the caller brings the transport (`a2aGrpcTransport()` of @molecule-ai/grpc: one call
// with @grpc/grpc-js and @a2a-js/sdk's A2A service). The rest is RemoteA2AAgent's, as over HTTP:
// the card (discovered, verified), the credentials of its declared schemes (sent as metadata), the
// address rule (the host resolved and checked here, the call pinned to that address), the bound on
// the answer (the transport's largest message). Requests and answers are the proto-JSON messages
// of the HTTP+JSON binding, so an answer is read as an HTTP+JSON one, and a gRPC status as the
// `google.rpc.Status` answer of the same code.
import { MoleculeError, MoleculePeerError } from "../../transport/index.js";
import type { HttpResponse } from "../../transport/index.js";
import { peerRequest } from "../peer-wire.js";
import type { PeerOp } from "../peer-wire.js";
import type { AddressGuard } from "./address-guard.js";

/** The unary RPCs of the A2A service `RemoteA2AAgent` calls over gRPC. */
export type A2AGrpcMethod = "SendMessage" | "GetTask" | "CancelTask";

/** One unary call of an A2A agent's gRPC service. */
export interface A2AGrpcCall {
  /** `address:port` to connect to (an IPv6 address in brackets): one the address rule allowed. */
  target: string;
  /** The agent's `host:port`: the call's authority and, with `tls`, the TLS server name's host. */
  authority: string;
  /** TLS (the agent's URL is `https:`), else plaintext HTTP/2. */
  tls: boolean;
  /** The RPC of `lf.a2a.v1.A2AService`. */
  method: A2AGrpcMethod;
  /** The request message (`lf.a2a.v1.SendMessageRequest`...) as proto-JSON. */
  request: Record<string, unknown>;
  /**
   * The call's metadata: `a2a-version: 1.0`, the credentials of the schemes the agent's card
   * declares and, while a span is active, its W3C `traceparent` (and `tracestate`); nothing else.
   */
  metadata: Readonly<Record<string, string>>;
  /** The `User-Agent` the call names. */
  userAgent: string;
  /** The call's deadline, in ms from now. */
  timeoutMs: number;
  /** Largest answer message read, in bytes (a larger one ends the call, `tooLarge`). */
  maxBytes: number;
  /** Cancels the call when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * What a call ended with: the answer message as proto-JSON, or its gRPC status (the agent's, or
 * the channel's: `UNAVAILABLE` when it cannot connect, `DEADLINE_EXCEEDED`, or `tooLarge`).
 */
export type A2AGrpcAnswer =
  | { ok: true; body: unknown }
  | {
      ok: false;
      /** The gRPC status code. */
      code: number;
      message: string;
      /** The `google.rpc.Status` details (`grpc-status-details-bin`) as proto-JSON. */
      details?: unknown[] | undefined;
      /** The answer was larger than `maxBytes`. */
      tooLarge?: boolean | undefined;
    };

/** A gRPC client for `RemoteA2AAgent`'s `grpc` option (`a2aGrpcTransport()` of @molecule-ai/grpc). */
export interface A2AGrpcTransport {
  /** Makes one call; resolves with how it ended (never rejects for a gRPC status). */
  call(call: A2AGrpcCall): Promise<A2AGrpcAnswer>;
  /** Closes its channels. */
  close(): Promise<void>;
}

/** Where an agent's gRPC service is: its host, port and TLS, and the `tenant` its card names. */
export interface GrpcInterface {
  /** `http(s)://host:port`: the address rule's input, its `host` the call's authority. */
  url: URL;
  tenant: string | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The card's A2A v1.x `GRPC` interface (`host:port`, or a URL), or `undefined` for none. It is
 * called with TLS when the agent's `origin` is `https:`, and must be on the origin's host (any
 * port): a card cannot send the caller's credentials elsewhere.
 */
export function grpcInterfaceOf(card: unknown, origin: string): GrpcInterface | undefined {
  const ifaces =
    isObj(card) && Array.isArray(card["supportedInterfaces"]) ? card["supportedInterfaces"] : [];
  const g = ifaces
    .filter(isObj)
    .find(
      (i) =>
        String(i["protocolBinding"] ?? "").toUpperCase() === "GRPC" &&
        String(i["protocolVersion"] ?? "").startsWith("1."),
    );
  if (typeof g?.["url"] !== "string") return undefined;
  const agent = new URL(origin);
  const raw = g["url"];
  let url: URL | undefined;
  try {
    url = new URL(`${agent.protocol}//${raw.includes("://") ? new URL(raw).host : raw}`);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.hostname !== agent.hostname || url.host === "") {
    throw new MoleculeError(
      `the agent card at ${origin} lists its gRPC interface at ${JSON.stringify(raw.slice(0, 200))}, not on the agent's host ${agent.hostname}; a card cannot send the caller elsewhere`,
      { code: "a2a_binding_unsupported", retryable: false },
    );
  }
  const tenant = typeof g["tenant"] === "string" && g["tenant"] !== "" ? g["tenant"] : undefined;
  return { url, tenant };
}

/** The HTTP status of each gRPC status code an agent ends a call with (A2A v1.0 §10's table). */
const HTTP_OF: Record<number, number> = {
  1: 499, // CANCELLED
  3: 400, // INVALID_ARGUMENT
  5: 404, // NOT_FOUND
  6: 409, // ALREADY_EXISTS
  7: 403, // PERMISSION_DENIED
  8: 429, // RESOURCE_EXHAUSTED
  9: 400, // FAILED_PRECONDITION
  10: 409, // ABORTED
  11: 400, // OUT_OF_RANGE
  12: 501, // UNIMPLEMENTED
  16: 401, // UNAUTHENTICATED
};
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

/** The RPC and request message of `op`: the HTTP+JSON binding's body, with the card's tenant. */
function callOf(op: PeerOp, tenant: string | undefined): Pick<A2AGrpcCall, "method" | "request"> {
  const t = tenant === undefined ? {} : { tenant };
  switch (op.op) {
    case "send": {
      const body = peerRequest({ binding: "HTTP+JSON", version: "1.0" }, op).body!;
      return { method: "SendMessage", request: { ...t, ...(JSON.parse(body) as Obj) } };
    }
    case "get":
      return {
        method: "GetTask",
        request: {
          ...t,
          id: op.taskId,
          ...(op.historyLength === undefined ? {} : { historyLength: op.historyLength }),
        },
      };
    case "cancel":
      return { method: "CancelTask", request: { ...t, id: op.taskId } };
    default:
      throw new MoleculeError(
        "RemoteA2AAgent does not stream over gRPC (stream, follow): over gRPC use send, start, getTask and cancelTask",
        { code: "a2a_binding_unsupported", retryable: false },
      );
  }
}

/**
 * Calls `op` over gRPC through `transport`, at the address `guard` allows for the interface's
 * host; resolves with the answer as the HTTP+JSON binding's (a status and a proto-JSON body).
 * Throws `a2a_address_refused`, `peer_unreachable`, `peer_timeout`, `peer_response_too_large`.
 */
export async function grpcRequest(
  transport: A2AGrpcTransport,
  guard: AddressGuard,
  iface: GrpcInterface,
  op: PeerOp,
  options: Omit<A2AGrpcCall, "target" | "authority" | "tls" | "method" | "request"> & {
    who: string;
  },
): Promise<HttpResponse> {
  const { who, ...call } = options;
  const what = callOf(op, iface.tenant);
  const unreachable = (cause: unknown): MoleculePeerError =>
    new MoleculePeerError(
      `the A2A agent at ${who} is unreachable over gRPC; check its URL, or try later`,
      {
        peerId: who,
        code: "peer_unreachable",
        retryable: true,
        cause,
      },
    );
  let address: string;
  try {
    address = await guard.resolve(iface.url);
  } catch (err) {
    if (err instanceof MoleculeError) throw err;
    throw unreachable(err); // the name does not resolve
  }
  if (call.signal?.aborted) throw call.signal.reason;
  const port = iface.url.port || (iface.url.protocol === "https:" ? "443" : "80");
  const answer = await transport.call({
    ...call,
    ...what,
    // A2A v1.0 §3.6: the version, as HTTP's `A2A-Version` header (an agent assumes 0.3 without).
    metadata: { ...call.metadata, "a2a-version": "1.0" },
    target: `${address.includes(":") ? `[${address}]` : address}:${port}`,
    authority: `${iface.url.hostname}:${port}`,
    tls: iface.url.protocol === "https:",
  });
  if (call.signal?.aborted) throw call.signal.reason;
  if (answer.ok) return { status: 200, headers: {}, body: answer.body };
  if (answer.tooLarge) {
    throw new MoleculePeerError(
      `the A2A agent at ${who} answered with more than ${call.maxBytes} bytes; the answer was discarded (raise maxResponseBytes if expected)`,
      { peerId: who, code: "peer_response_too_large" },
    );
  }
  if (answer.code === DEADLINE_EXCEEDED) {
    throw new MoleculePeerError(
      `the A2A agent at ${who} did not answer within ${call.timeoutMs} ms; raise timeoutMs, or start the task without waiting (start) and follow it`,
      { peerId: who, code: "peer_timeout", retryable: true },
    );
  }
  if (answer.code === UNAVAILABLE) throw unreachable(new Error(answer.message));
  const status = HTTP_OF[answer.code] ?? 500;
  const error = { code: status, message: answer.message, details: answer.details ?? [] };
  return { status, headers: {}, body: { error } };
}
