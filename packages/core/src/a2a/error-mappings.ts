// The A2A errors and how every binding answers each: the one table the JSON-RPC and HTTP+JSON
// front ends (server/), the gRPC binding (@molecule-ai/grpc) and the client's reading of a peer's
// error (peer-wire.ts) take their codes from.
//
// Source: A2A v1.0.1 (a2aproject/A2A tag v1.0.1, 2026-05-28, commit 33035925),
// docs/specification.md §5.4 "Error Code Mappings" (JSON-RPC code, gRPC status, HTTP status per
// error), with each error's `google.rpc.ErrorInfo` reason from §10.6 / §11.6 ("the A2A error type
// in UPPER_SNAKE_CASE without the Error suffix", domain `a2a-protocol.org`). v1.0.1 changed v1.0.0's
// table in four rows, all followed here: PushNotificationNotSupported, UnsupportedOperation and
// VersionNotSupported are gRPC FAILED_PRECONDITION (v1.0.0: UNIMPLEMENTED), ContentTypeNotSupported
// is HTTP 400 (v1.0.0: 415), TaskNotCancelable 400 (v1.0.0: 409) and InvalidAgentResponse 500
// (v1.0.0: 502). @a2a-js/sdk 1.3 maps them the same (its REST_ERROR_HTTP_STATUS and gRPC tables).
// The v0.3 binding keeps its own answer to a wrong Content-Type (HTTP 415, http-checks.ts).

/** A `google.rpc.Code` name (the gRPC status and the HTTP+JSON body's `error.status`). */
export type GrpcStatusName =
  | "NOT_FOUND"
  | "FAILED_PRECONDITION"
  | "INVALID_ARGUMENT"
  | "INTERNAL"
  | "RESOURCE_EXHAUSTED";

/** How each binding answers one A2A error (A2A v1.0.1 §5.4). */
export interface A2AErrorMapping {
  /** JSON-RPC `error.code`. */
  readonly jsonrpc: number;
  /** HTTP status of the HTTP+JSON binding (and of the JSON-RPC binding's transport refusals). */
  readonly http: number;
  /** gRPC status (and the HTTP+JSON body's `error.status`). */
  readonly grpc: GrpcStatusName;
  /** `google.rpc.ErrorInfo.reason` (domain `a2a-protocol.org`). */
  readonly reason: string;
}

/** Every A2A error and its code on each binding (A2A v1.0.1 §5.4, one row each). */
export const A2A_ERROR_MAPPINGS = {
  TaskNotFound: { jsonrpc: -32001, http: 404, grpc: "NOT_FOUND", reason: "TASK_NOT_FOUND" },
  TaskNotCancelable: {
    jsonrpc: -32002,
    http: 400,
    grpc: "FAILED_PRECONDITION",
    reason: "TASK_NOT_CANCELABLE",
  },
  PushNotificationNotSupported: {
    jsonrpc: -32003,
    http: 400,
    grpc: "FAILED_PRECONDITION",
    reason: "PUSH_NOTIFICATION_NOT_SUPPORTED",
  },
  UnsupportedOperation: {
    jsonrpc: -32004,
    http: 400,
    grpc: "FAILED_PRECONDITION",
    reason: "UNSUPPORTED_OPERATION",
  },
  ContentTypeNotSupported: {
    jsonrpc: -32005,
    http: 400,
    grpc: "INVALID_ARGUMENT",
    reason: "CONTENT_TYPE_NOT_SUPPORTED",
  },
  InvalidAgentResponse: {
    jsonrpc: -32006,
    http: 500,
    grpc: "INTERNAL",
    reason: "INVALID_AGENT_RESPONSE",
  },
  ExtendedCardNotConfigured: {
    jsonrpc: -32007,
    http: 400,
    grpc: "FAILED_PRECONDITION",
    reason: "EXTENDED_AGENT_CARD_NOT_CONFIGURED",
  },
  ExtensionSupportRequired: {
    jsonrpc: -32008,
    http: 400,
    grpc: "FAILED_PRECONDITION",
    reason: "EXTENSION_SUPPORT_REQUIRED",
  },
  VersionNotSupported: {
    jsonrpc: -32009,
    http: 400,
    grpc: "FAILED_PRECONDITION",
    reason: "VERSION_NOT_SUPPORTED",
  },
} as const satisfies Record<string, A2AErrorMapping>;

const BY_CODE = new Map<number, A2AErrorMapping>(
  Object.values(A2A_ERROR_MAPPINGS).map((m) => [m.jsonrpc, m]),
);
const BY_REASON = new Map<string, A2AErrorMapping>(
  Object.values(A2A_ERROR_MAPPINGS).map((m) => [m.reason, m]),
);

/** The mapping of an A2A error by its JSON-RPC code (undefined for any other code). */
export function a2aErrorByCode(code: number): A2AErrorMapping | undefined {
  return BY_CODE.get(code);
}

/** The mapping of an A2A error by its ErrorInfo reason (undefined for any other reason). */
export function a2aErrorByReason(reason: string): A2AErrorMapping | undefined {
  return BY_REASON.get(reason);
}
