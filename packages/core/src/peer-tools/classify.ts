// One rule for every adapter: which failures of a peer call the model sees as a tool result, and
// which throw. Decided by the error's `code`, so it holds across copies of this package.
import { visiblePeerText } from "../a2a/index.js";
import { isMoleculeError, isTlsErrorCode } from "../transport/index.js";
import { PeerToolConfigError } from "./errors.js";

/**
 * Codes of failures that belong to the peer or its path: it is down, slow, overloaded, refused
 * this caller, answered with an error or a failed task. The model gets them as an error result and
 * can try another peer, retry later or tell the user.
 */
export const PEER_SIDE_CODES: ReadonlySet<string> = new Set([
  "peer_unreachable", // 502: the peer is offline
  "peer_unavailable", // 503: paused, no URL, busy
  "peer_timeout", // 504 or the call's deadline
  "peer_error", // any other HTTP status from the peer
  "peer_rpc_error", // a JSON-RPC error answer
  "peer_task_failed", // a task that ended "failed"
  "peer_failed", // the peer dead-lettered the message: its handler failed, it will not answer
  "peer_malformed_answer", // an answer of no known shape
  "peer_response_too_large",
  "peer_url_stale",
  "peer_url_invalid",
  "peer_not_allowed", // a peer id the tool may not use
  "rate_limited", // 429 on the peer call
  "timeout",
  "reply_timeout", // a poll peer did not answer in time
  "not_found", // no such peer
  "peer_unknown", // 403 for an id this workspace's peer list does not hold
  "forbidden", // 403: the platform refuses this pair (the peer left the hierarchy or was removed)
  "server_error",
  "unavailable",
]);

function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (typeof error !== "object" || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === "AbortError" || code === "ABORT_ERR" || code === "aborted";
}

/**
 * Whether a peer-call failure is the peer's (the tool returns it to the model) rather than this
 * workspace's (bad token `unauthorized`, `workspace_removed`, `invalid_argument`,
 * `budget_exceeded`, `bad_request`, aborts, bugs), which throws. Unknown codes count as the
 * peer's only when retryable. A 403 (`forbidden`) is returned: the platform gives the same
 * answer when the peer was removed and when this workspace was purged (the agent runtime reports
 * the latter as `WorkspaceRemovedError` from its heartbeat). A `tls_*` code is the peer's when it
 * names a peer (`peerId`: its own certificate, at its own URL), the platform's certificate else.
 */
export function isPeerSideError(error: unknown, signal?: AbortSignal): boolean {
  if (isAbort(error, signal) || !isMoleculeError(error)) return false;
  if (error instanceof PeerToolConfigError) return false;
  if (isTlsErrorCode(error.code)) return typeof (error as { peerId?: unknown }).peerId === "string";
  return PEER_SIDE_CODES.has(error.code) || error.retryable;
}

/**
 * A peer call that produced no answer, as a tool result: safe to show to a model (no token,
 * markers neutralised).
 */
export interface PeerToolFailure {
  status: "error";
  peerId: string;
  /** What went wrong, in words. */
  error: string;
  /** The SDK error code (`MoleculeError.code`), e.g. `"peer_unreachable"`. */
  code: string;
  /** True when trying again later may succeed. */
  retryable: boolean;
  /** The HTTP status behind the failure, when there was one. */
  httpStatus?: number;
}

/** The tool result for a peer-side failure (see {@link isPeerSideError}). */
export function toPeerToolFailure(peerId: string, error: unknown): PeerToolFailure {
  const e = isMoleculeError(error) ? error : undefined;
  const failure: PeerToolFailure = {
    status: "error",
    peerId,
    // One line (it may quote the peer): its line breaks shown as `\n`.
    error: visiblePeerText(error instanceof Error ? error.message : String(error)).replaceAll(
      "\n",
      "\\n",
    ),
    code: e?.code ?? "peer_error",
    retryable: e?.retryable ?? false,
  };
  if (e?.status !== undefined) failure.httpStatus = e.status;
  return failure;
}
