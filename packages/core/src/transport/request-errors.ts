// The typed error of a platform request that got no answer (transport/http.ts): its signal ended
// it, it got no turn of the rate budget in time, it timed out, its answer was too large, or the
// connection failed (through a proxy, on the certificate, on the host name, or on the network).
import {
  MoleculeError,
  MoleculeRateLimitError,
  MoleculeTimeoutError,
  UnexpectedResponseError,
} from "./errors.js";
import { BodyTooLargeError } from "./body.js";
import { proxyFailure } from "./proxy.js";
import { tlsFailure } from "./tls-errors.js";
import type { RequestSpec } from "./http-types.js";

/**
 * The error of a request that got no turn of the rate budget before its deadline: nothing was
 * sent, so it may be sent again (after `retryAfterMs`).
 */
export function notSentInTime(
  spec: RequestSpec,
  ms: number,
  retryAfterMs: number | undefined,
  cause?: unknown,
): MoleculeRateLimitError {
  const after =
    retryAfterMs === undefined
      ? ""
      : `; a turn may come in about ${Math.ceil(retryAfterMs / 1000)} s`;
  return new MoleculeRateLimitError(
    `${spec.method} ${spec.path} was not sent: the platform's rate limit for this bucket (the org with MOLECULE_ORG_ID, else the token) was spent and no turn came within ${Math.round(ms)} ms${after}; it was not carried out: retry later, give it a longer timeout, or send fewer requests a minute into this bucket`,
    { retryAfterMs, status: undefined, cause },
  );
}

/**
 * The error of a call its signal ended: the reason itself when it is a `MoleculeError`;
 * `rate_limited` when it waited for the budget, `timeout` for an `AbortSignal.timeout`, else
 * `aborted` (named `AbortError`, as the platform's fetch would name it).
 */
export function abortedError(
  spec: RequestSpec,
  started: number,
  budget: boolean,
  retryAfterMs?: number,
): unknown {
  const reason: unknown = spec.signal?.reason;
  if (reason instanceof MoleculeError) return reason;
  const ms = Math.round(performance.now() - started);
  const timedOut = (reason as { name?: unknown } | undefined)?.name === "TimeoutError";
  if (timedOut && budget) return notSentInTime(spec, ms, retryAfterMs, reason);
  if (timedOut) {
    return new MoleculeTimeoutError(
      `${spec.method} ${spec.path} did not complete within ${ms} ms (its signal timed out); give it a longer deadline or check the platform's health`,
      { timeoutMs: ms, cause: reason },
    );
  }
  const why = reason instanceof Error && reason.message !== "" ? ` (${reason.message})` : "";
  const err = new MoleculeError(
    `${spec.method} ${spec.path} was aborted by its signal${budget ? " before it was sent" : ""}${why}`,
    { code: "aborted", retryable: false, cause: reason },
  );
  err.name = "AbortError";
  return err;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The error of one attempt of `spec` to `origin` that threw `err` (its signal not aborted): a
 * setup error or an unexpected 2xx body as it is; else too large, timed out (`timedOut`, after
 * `timeoutMs`), refused by a proxy or the certificate, or the connection failed.
 */
export function attemptError(
  spec: RequestSpec,
  origin: string,
  err: unknown,
  timed: { timedOut: boolean; timeoutMs: number },
): unknown {
  // The HTTP client could not be loaded (dispatchers.ts): a setup error, not the network.
  if (err instanceof MoleculeError && err.code === "module_unavailable") return err;
  if (err instanceof UnexpectedResponseError) return err; // a 2xx body read as items

  if (err instanceof BodyTooLargeError) {
    return new MoleculeError(
      `${spec.method} ${spec.path} answered with a body over ${err.limit} bytes; it was not read (raise maxResponseBytes if this is expected)`,
      { code: "response_too_large", cause: err },
    );
  }
  const { timedOut, timeoutMs } = timed;
  if (timedOut) {
    return new MoleculeTimeoutError(
      `${spec.method} ${spec.path} did not complete within ${timeoutMs} ms; raise timeoutMs or check the platform's health`,
      { timeoutMs, cause: err },
    );
  }
  // Through a proxy: its refusal, or the proxy named in the unreachable-platform error.
  const proxied = proxyFailure(err, origin);
  if (proxied) return proxied;
  // Directly: the platform's certificate (untrusted, another host's, expired, ...), not retried.
  const tls = tlsFailure(err, origin);
  if (tls) return tls;
  const code = errorCode(err);
  if (code === "ENOTFOUND") {
    // No such host: one rule everywhere (core's start, the adapters' first calls): not retried.
    return new MoleculeError(
      `could not reach the platform at ${origin}: its host name does not resolve (ENOTFOUND); check platformUrl (MOLECULE_PLATFORM_URL)`,
      { code: "connection_failed", retryable: false, cause: err },
    );
  }
  return new MoleculeError(
    `could not reach the platform at ${origin} (${code ?? (err as Error)?.name ?? "error"}); check platformUrl and your network`,
    { code: "connection_failed", retryable: true, cause: err },
  );
}
