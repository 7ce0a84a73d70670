// A2A errors in the gRPC binding (A2A v1.0.1 §10.6): the endpoint's HTTP+JSON answer (a
// `google.rpc.Status` body, rest-errors.ts in core) carried over as the gRPC status of the same
// `google.rpc.Code` name (for an A2A error, its row of core's A2A_ERROR_MAPPINGS: v1.0.1 §5.4),
// with the A2A `ErrorInfo` in `grpc-status-details-bin` as @a2a-js/sdk's gRPC client reads it.
// A Molecule error's code (`message_busy`, ...) rides in trailing metadata.
import { Metadata, status as Status, type StatusObject } from "@grpc/grpc-js";
import { encodeGrpcStatusDetails, GRPC_STATUS_DETAILS_BIN } from "@a2a-js/sdk/errors/grpc";

/** Trailing metadata naming a Molecule error (`message_busy`, `handler_failed`, ...). */
export const MOLECULE_ERROR_CODE = "molecule-error-code";
/** Trailing metadata saying whether that Molecule error is worth retrying (`"true"`/`"false"`). */
export const MOLECULE_RETRYABLE = "molecule-retryable";
/**
 * Trailing metadata carrying the endpoint's `Retry-After` (seconds, or an HTTP date), e.g. with the
 * `UNAVAILABLE` of a push endpoint that does not know its platform's secret yet.
 */
const RETRY_AFTER = "retry-after";

/** A refusal as the gRPC status the call ends with. */
export type GrpcError = Pick<StatusObject, "code" | "details" | "metadata">;

interface ErrorInfo {
  reason?: unknown;
  domain?: unknown;
  metadata?: unknown;
}

/** The gRPC code of an HTTP status the endpoint answered without a `google.rpc.Status` name. */
function codeOfHttp(status: number): Status {
  if (status === 400 || status === 415) return Status.INVALID_ARGUMENT;
  if (status === 401) return Status.UNAUTHENTICATED;
  if (status === 403) return Status.PERMISSION_DENIED;
  if (status === 404) return Status.NOT_FOUND;
  if (status === 413 || status === 429) return Status.RESOURCE_EXHAUSTED;
  if (status === 503) return Status.UNAVAILABLE;
  return Status.INTERNAL;
}

/** A gRPC error with `code` and `message` (no details). */
export function grpcError(code: Status, message: string): GrpcError {
  return { code, details: message, metadata: new Metadata() };
}

/**
 * The gRPC error of an endpoint's error answer: its HTTP status, body (as text) and `Retry-After`
 * header (passed on as the trailing metadata {@link RETRY_AFTER}).
 */
export function errorOfAnswer(
  httpStatus: number,
  body: string,
  retryAfter?: string | null,
): GrpcError {
  let error: Record<string, unknown> | undefined;
  let text: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === "object" && parsed.error !== null) {
      error = parsed.error as Record<string, unknown>;
    } else if (typeof parsed?.error === "string") {
      text = parsed.error; // a plain refusal, e.g. the platform bearer's 401 and 503
    }
  } catch {
    // not JSON: the status alone says what happened
  }
  const name = typeof error?.["status"] === "string" ? error["status"] : "";
  const named = (Status as unknown as Record<string, number>)[name];
  const code: Status = typeof named === "number" ? named : codeOfHttp(httpStatus);
  const message =
    typeof error?.["message"] === "string" ? error["message"] : (text ?? `HTTP ${httpStatus}`);
  const out = grpcError(code, message);
  // Metadata values are printable ASCII: anything else is dropped, never a failed call.
  if (retryAfter && /^[\x20-\x7e]{1,64}$/.test(retryAfter))
    out.metadata.set(RETRY_AFTER, retryAfter);
  const details = Array.isArray(error?.["details"]) ? (error["details"] as ErrorInfo[]) : [];
  for (const d of details) {
    if (typeof d?.reason !== "string") continue;
    const meta = stringRecord(d.metadata);
    if (d.domain === "a2a-protocol.org") {
      out.metadata.set(
        GRPC_STATUS_DETAILS_BIN,
        encodeGrpcStatusDetails(code, message, d.reason, meta),
      );
    } else if (d.domain === "molecule.ai") {
      out.metadata.set(MOLECULE_ERROR_CODE, d.reason.toLowerCase());
      out.metadata.set(MOLECULE_RETRYABLE, meta?.["retryable"] === "true" ? "true" : "false");
    }
  }
  return out;
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}
