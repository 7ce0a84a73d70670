// JSON-RPC 2.0 and A2A error codes, and the error a message handler may throw to choose one.
import { A2A_ERROR_MAPPINGS } from "../error-mappings.js";

/** JSON-RPC 2.0 and A2A (v0.3 / v1.0) error codes the push server answers with. */
export const A2AErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  TaskNotFound: A2A_ERROR_MAPPINGS.TaskNotFound.jsonrpc,
  TaskNotCancelable: A2A_ERROR_MAPPINGS.TaskNotCancelable.jsonrpc,
  PushNotificationNotSupported: A2A_ERROR_MAPPINGS.PushNotificationNotSupported.jsonrpc,
  UnsupportedOperation: A2A_ERROR_MAPPINGS.UnsupportedOperation.jsonrpc,
  ContentTypeNotSupported: A2A_ERROR_MAPPINGS.ContentTypeNotSupported.jsonrpc,
  InvalidAgentResponse: A2A_ERROR_MAPPINGS.InvalidAgentResponse.jsonrpc,
  ExtendedCardNotConfigured: A2A_ERROR_MAPPINGS.ExtendedCardNotConfigured.jsonrpc,
  ExtensionSupportRequired: A2A_ERROR_MAPPINGS.ExtensionSupportRequired.jsonrpc,
  VersionNotSupported: A2A_ERROR_MAPPINGS.VersionNotSupported.jsonrpc,
} as const;

/** A value of {@link A2AErrorCode}. */
export type A2AErrorCodeValue = (typeof A2AErrorCode)[keyof typeof A2AErrorCode];

/**
 * Throw this from `onMessage` to answer the caller with a specific JSON-RPC error (for example
 * `-32602` when the message is not something the agent can handle). Any other exception becomes a
 * generic `-32603 Internal error` whose details are never sent to the caller.
 */
export class A2ARpcError extends Error {
  /** The JSON-RPC error code sent to the caller. */
  readonly code: number;
  /** Optional JSON-serialisable `error.data`. */
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "A2ARpcError";
    this.code = code;
    this.data = data;
  }
}

/**
 * The answer a push sender gets for a dead-lettered message: JSON-RPC `-32603` (the agent failed
 * on it) with `data: { code: "delivery_limit", retryable: false, deliveries }`, so the platform
 * and the caller stop re-sending it instead of waiting on a run that never ends.
 */
export function deadLetteredRpcError(
  messageId: string | undefined,
  deliveries: number,
): A2ARpcError {
  return new A2ARpcError(
    A2AErrorCode.InternalError,
    `message ${messageId ?? "?"} was dead-lettered: it was delivered ${deliveries} times and the agent never finished it (its process crashed or stopped each time); it will not be run again, do not resend it under the same messageId`,
    { code: "delivery_limit", retryable: false, deliveries },
  );
}

/**
 * The answer a push sender gets for a message whose handler failed on every attempt (it was
 * dead-lettered): JSON-RPC `-32603` with `data: { code: "handler_failed", retryable: false }`, so
 * the caller learns at once that the peer failed (`peer_failed`), not that it was slow. The
 * handler's error itself is never sent.
 */
export function handlerFailedRpcError(messageId: string | undefined): A2ARpcError {
  return new A2ARpcError(
    A2AErrorCode.InternalError,
    `message ${messageId ?? "?"} could not be handled: the agent's handler failed on every attempt; it will not be answered`,
    { code: "handler_failed", retryable: false },
  );
}

/**
 * The answer a push sender gets for a message another process of the same agent is running
 * (`by`: a `"replica"` of a RemoteAgent, an `"instance"` of a serverless handler): JSON-RPC
 * `-32603` with `data: { code: "message_busy", retryable: true }`, never a bare `-32603`.
 */
export function messageBusyRpcError(messageId: string, by: "replica" | "instance"): A2ARpcError {
  return new A2ARpcError(
    A2AErrorCode.InternalError,
    `message ${messageId} is being handled by another ${by} of this agent; retry later under the same messageId`,
    { code: "message_busy", retryable: true },
  );
}
