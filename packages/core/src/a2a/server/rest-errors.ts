// A2A errors in the HTTP+JSON binding (A2A v1.0.1 §11.6, §5.4): the HTTP status the spec maps each
// code to (error-mappings.ts), and a `google.rpc.Status` body whose `details` carry a
// `google.rpc.ErrorInfo` naming the A2A error (`reason`, domain `a2a-protocol.org`), as
// @a2a-js/sdk's REST client reads it.
import { a2aErrorByCode } from "../error-mappings.js";

/** HTTP status, `google.rpc.Code` name and ErrorInfo reason of the codes that are no A2A error. */
const OTHER: Record<number, [number, string, string | undefined]> = {
  [-32700]: [400, "INVALID_ARGUMENT", "INVALID_PARAMS"],
  [-32600]: [400, "INVALID_ARGUMENT", "INVALID_PARAMS"],
  [-32602]: [400, "INVALID_ARGUMENT", "INVALID_PARAMS"],
  [-32601]: [404, "NOT_FOUND", undefined],
  // A stream refused because its task has too many (task-subscribe.ts).
  [-32000]: [429, "RESOURCE_EXHAUSTED", undefined],
};

/** HTTP status, `google.rpc.Code` name and ErrorInfo reason of a code (A2A v1.0.1 §5.4's table). */
function mappingOf(code: number): [number, string, string | undefined] | undefined {
  const a2a = a2aErrorByCode(code);
  return a2a === undefined ? OTHER[code] : [a2a.http, a2a.grpc, a2a.reason];
}

/**
 * The `google.rpc.ErrorInfo` details of an error: the A2A error's (`reason`, domain
 * `a2a-protocol.org`), then, for `data` of a Molecule error (`{ code, retryable }`, e.g.
 * `message_busy`), one of domain `molecule.ai` with its code as the reason.
 */
export function errorDetails(code: number, data: unknown): Record<string, unknown>[] {
  const reason = mappingOf(code)?.[2];
  const details: Record<string, unknown>[] = [];
  if (reason !== undefined) {
    details.push({
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason,
      domain: "a2a-protocol.org",
    });
  }
  const own = data as { code?: unknown; retryable?: unknown } | undefined;
  if (typeof own?.code === "string") {
    details.push({
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: own.code.toUpperCase(),
      domain: "molecule.ai",
      metadata: { retryable: String(own.retryable === true) },
    });
  }
  return details;
}

/** The HTTP+JSON answer of an A2A error: its HTTP status and a `google.rpc.Status` body. */
export function restError(
  code: number,
  message: string,
  data?: unknown,
): { status: number; body: string; headers?: Record<string, string> } {
  const [status, name] = mappingOf(code) ?? [500, "INTERNAL", undefined];
  const details = errorDetails(code, data);
  return {
    status,
    body: JSON.stringify({ error: { code: status, status: name, message, details } }),
  };
}
