// The one table that tells a failed platform request's two kinds apart: the platform itself
// refused the request (its answer, about that request), or the path to the platform failed (the
// resolver, a forward proxy, the certificate, a front in front of the platform, the connection).
// A write the agent keeps until it is sent (an answer, ...) is given up only for the first kind;
// the second holds it as an outage does. Read only when a request failed, never on the warm path.
//
// How an answer is known to be the platform's own: the platform answers every error in JSON, in
// its error shape (`{"error": "..."}`, some with a `"code"`: every refusal the real April and
// August 2026 servers were recorded answering), except gin's two plain-text answers ("404 page not
// found", "405 method not allowed") and a SaaS tenant's bare 404 (http-errors.ts's
// `tenantRefusal`). Anything else is what stands in front of it: an HTML page of any status (a
// WAF's 403, nginx's 413, an identity proxy's 401 login page, a load balancer's 502), a non-JSON or
// empty body (a 5xx's text, a bare 413), and a 407, which only a proxy answers. A failure with no
// answer at all (DNS, TLS, a refused or reset connection, a proxy refusing the CONNECT tunnel) is
// the path's by definition.
import { proxyOfError } from "./proxy.js";
import { frontEvidence } from "./body-text.js";
import { tlsProblemOf } from "./tls-errors.js";

/** Where on the path to the platform a request failed: each a stable name for logs and docs. */
export type PathCause = "resolver" | "proxy" | "certificate" | "front" | "connection";

/** A request that failed on the path to the platform, not at the platform. */
export interface PathFailure {
  /** Where it failed (the stable name). */
  readonly cause: PathCause;
  /** What it said there, on one line without secrets: `ENOTFOUND platform.example`, `407`. */
  readonly detail: string;
}

/** Name-resolution failures (getaddrinfo's and c-ares's codes as Node names them). */
const RESOLVER_CODES: ReadonlySet<string> = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENODATA",
  "EAI_NODATA",
  "EAI_FAIL",
  "ESERVFAIL",
]);

/** Connection failures: no answer came (refused, reset, unreachable, timed out connecting). */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** gin's plain-text answers: the platform's own, though not JSON. */
const PLATFORM_TEXT: ReadonlySet<string> = new Set([
  "404 page not found",
  "405 method not allowed",
]);

/** The first Node error code on `err` or its causes that `codes` holds, with its host name. */
function nodeCode(
  err: unknown,
  codes: ReadonlySet<string>,
): { code: string; hostname?: string } | undefined {
  let e: unknown = err;
  for (let i = 0; i < 6 && e !== null && typeof e === "object"; i++) {
    const { code, hostname } = e as { code?: unknown; hostname?: unknown };
    if (typeof code === "string" && codes.has(code))
      return typeof hostname === "string" ? { code, hostname } : { code };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether an error answer (`status`, and `body` as the transport parsed it: an object for JSON) is
 * the platform's own: JSON, gin's plain text, a tenant's bare 404, or a 429 (the rate limit, which
 * is waited out whoever said it). Never a 407.
 */
export function isPlatformAnswer(status: number, body: unknown): boolean {
  if (status === 407) return false;
  // The rate limit's: retried as the platform asks whoever answered it (rate-budget.ts).
  if (status === 429) return true;
  if (body !== null && typeof body === "object") return true;
  if (typeof body === "string" && PLATFORM_TEXT.has(body.trim())) return true;
  const empty = body === undefined || body === null || (typeof body === "string" && !body.trim());
  return empty && status === 404;
}

/**
 * The path failure `err` (a failed platform request's error, or one of its causes) reports, or
 * `undefined` when the platform itself answered (its refusal, its 5xx, its rate limit) or `err` is
 * no request's failure (a timeout, an abort, a bug). In this order, the first that matches:
 * the certificate (a TLS failure, directly or through a proxy's tunnel); the proxy (it refused
 * the tunnel, answered 407, or could not reach the platform); an HTTP answer that is not the
 * platform's (`isPlatformAnswer`: the front); the resolver; the connection.
 */
export function pathFailureOf(err: unknown): PathFailure | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const tls = tlsProblemOf(err);
  if (tls !== undefined) return { cause: "certificate", detail: `${tls.code} (${tls.reason})` };
  const { status, body } = err as { status?: unknown; body?: unknown };
  const proxy = proxyOfError(err);
  if (proxy !== undefined) {
    const code = nodeCode(err, RESOLVER_CODES) ?? nodeCode(err, CONNECTION_CODES);
    const said = typeof status === "number" ? String(status) : (code?.code ?? "no answer");
    return { cause: "proxy", detail: `${proxy.shown} (${proxy.from}): ${said}` };
  }
  // An answer's error as the client builds it (it carries the body, parsed): judged by its body.
  // One without (a custom client's own error) is taken at its word (`retryable`).
  const answered = typeof status === "number" && status >= 400 && "body" in err;
  if (answered && !isPlatformAnswer(status, body)) {
    if (status === 407) return { cause: "proxy", detail: "407 Proxy Authentication Required" };
    const page = frontEvidence(status, body);
    return { cause: "front", detail: `${status}${page ? ` (${page})` : ""}` };
  }
  if (typeof status === "number") return undefined;
  const dns = nodeCode(err, RESOLVER_CODES);
  if (dns !== undefined)
    return { cause: "resolver", detail: `${dns.code}${dns.hostname ? ` ${dns.hostname}` : ""}` };
  const conn = nodeCode(err, CONNECTION_CODES);
  if (conn !== undefined) return { cause: "connection", detail: conn.code };
  return undefined;
}

/**
 * Whether the platform itself refused the write `err` ended: `retryable === false` (a permanent
 * refusal) and not a {@link pathFailureOf} path failure. Only this gives up a kept write early.
 */
export function platformRefused(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  if ((err as { retryable?: unknown }).retryable !== false) return false;
  return pathFailureOf(err) === undefined;
}
