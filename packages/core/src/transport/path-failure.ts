// The one judge of who answered a platform request, and the table that tells a failed request's two
// kinds apart: the platform itself answered (a success, or an error about that request, in its
// error shape), or the path to the platform failed (the resolver, a forward proxy, the certificate,
// a front in front of the platform, the connection). Every response of every platform request is
// judged here once, by the transport (`answerPath`, whatever its status); every consumer (a kept
// write, the heartbeat's count of 401s, a start, doctor) asks `pathFailureOf` of the error, never
// the status alone. A write the agent keeps until it is sent is given up only for the first kind.
//
// How an answer is known to be the platform's own: the platform answers every error in JSON, in
// its error shape (`{"error": "..."}`, some with a `"code"`: every refusal the real April and
// August 2026 servers were recorded answering, and a peer's error its proxy relays, whatever its
// status, 3xx included), except gin's two plain-text answers ("404 page not found", "405 method not
// allowed"), gin's bare 500 (its recovery from a handler's panic) and a SaaS tenant's bare 404
// (http-errors.ts's `tenantRefusal`). Anything else is what
// stands in front of it: a redirect (an identity-aware proxy sending to its sign-in page), an HTML
// page of any status (a WAF's 403, nginx's 413, a sign-in page's 401, a load balancer's 502), a
// non-JSON or empty body, and a 407, which only a proxy answers. A failure with no answer at all
// (DNS, TLS, a refused or reset connection, a proxy refusing the CONNECT tunnel) is the path's by
// definition.
//
// The same judge's peer form (`peerAnswerPath`) decides it for a request sent to a peer directly
// (a direct call or stream, RemoteA2AAgent, a peer's card, a webhook): a peer answers its errors in
// its protocol's shape (JSON), so the same cause table names what else answered.
import type { IncomingHttpHeaders } from "node:http";
import { type ProxyInfo, proxyOfError, refusalStatus } from "./proxy.js";
import { frontEvidence, quoteBody } from "./body-text.js";
import { offeredSchemes } from "./proxy-schemes.js";
import { tlsProblemOf } from "./tls-errors.js";

/** Where on the path to the platform a request failed: each a stable name for logs and docs. */
export type PathCause = "resolver" | "proxy" | "certificate" | "front" | "connection";

/** A request that failed on the path to the platform, not at the platform. */
export interface PathFailure {
  /** Where it failed (the stable name). */
  readonly cause: PathCause;
  /** What it said there, on one line without secrets: `ENOTFOUND platform.example`, `407`. */
  readonly detail: string;
  /** The status it answered with, when it answered. */
  readonly status?: number;
  /** A 407's `Proxy-Authenticate` schemes (`["NTLM", "Negotiate"]`), when it named any. */
  readonly schemes?: readonly string[];
}

/** A response as the judge reads it. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** As the transport parsed it: an object for JSON, else the text. */
  readonly body: unknown;
}

const JUDGED = Symbol("molecule.path");

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
 * the platform's own: JSON, gin's plain text, a tenant's bare 404, gin's bare 500 (a handler's
 * panic), or a 429 (the rate limit, which is waited out whoever said it). Never a 407.
 */
export function isPlatformAnswer(status: number, body: unknown): boolean {
  if (status === 407) return false;
  // The rate limit's: retried as the platform asks whoever answered it (rate-budget.ts).
  if (status === 429) return true;
  if (body !== null && typeof body === "object") return true;
  if (typeof body === "string" && PLATFORM_TEXT.has(body.trim())) return true;
  // An empty 404 is a tenant's refusal; an empty 500 is gin's recovery from a handler's panic.
  const empty = body === undefined || body === null || (typeof body === "string" && !body.trim());
  return empty && (status === 404 || status === 500);
}

/** The first value of header `name`. */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Where a redirect goes, by its origin only (its path and query may carry a session's state). */
function redirectTarget(location: string | undefined): string {
  if (location === undefined || location.trim() === "") return "with no Location";
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return "to a page of the same host";
  try {
    return `to ${new URL(location).origin}`;
  } catch {
    return "to an unparsable Location";
  }
}

/**
 * Who answered `res`, the final response to a platform request: `undefined` when the platform did
 * (a 2xx, or an error of any status in its error shape: {@link isPlatformAnswer}); otherwise the
 * path, with its cause ({@link pathOf}).
 */
export function answerPath(res: Answer, proxy?: ProxyInfo): PathFailure | undefined {
  if (res.status >= 200 && res.status < 300) return undefined;
  return isPlatformAnswer(res.status, res.body) ? undefined : pathOf(res, proxy);
}

/**
 * What a peer answers its errors in, for the judge's peer form: `json` (an A2A endpoint), `card`
 * (an agent card's URL: a 404 of any body is its HTTP server's "no card here"), `any` (a webhook:
 * A2A gives its answer no shape, so an empty or text body is its own too).
 */
export type PeerShape = "json" | "card" | "any";

/**
 * The judge's peer form: who answered `res`, the final response to a request sent to a peer
 * directly (an A2A agent, its card, a webhook). `undefined` when the peer did: a 2xx (an SSE
 * stream's head included), a JSON object of any status but 3xx and 407 (a JSON-RPC error, an A2A
 * REST error or google.rpc.Status, a framework's JSON 404), a 429 (waited out whoever said it), or
 * what its `shape` allows besides. Anything else (a 3xx, an HTML page, for an A2A endpoint an empty
 * body) is the path in front of the peer ({@link pathOf}): a front, a proxy, or the peer's HTTP
 * server outside its endpoint (its HTML page cannot be told from a front's; neither is an answer
 * of the endpoint).
 */
export function peerAnswerPath(res: Answer, shape: PeerShape = "json"): PathFailure | undefined {
  const { status, headers, body } = res;
  if ((status >= 200 && status < 300) || status === 429) return undefined;
  if ((status >= 300 && status < 400) || status === 407) return pathOf(res);
  if (body !== null && typeof body === "object") return undefined;
  if (shape === "card" && status === 404) return undefined;
  const page = quoteBody(body, header(headers, "content-type"))?.page === true;
  const proxied = status >= 500 && header(headers, "via") !== undefined;
  return shape === "any" && !page && !proxied ? undefined : pathOf(res);
}

/**
 * The cause of an answer the path gave (the judge found it was not the platform's or the peer's):
 * a 407 is the proxy's (with the schemes its `Proxy-Authenticate` offers); a 5xx page through
 * `proxy` (the forward proxy an absolute-URI request went through) or with a `Via` header is the
 * proxy's; anything else (a 3xx with or without `Location`, an HTML 401 or 403, an empty body) the
 * front's.
 */
function pathOf(res: Answer, proxy?: ProxyInfo): PathFailure {
  const { status, headers, body } = res;
  if (status === 407) {
    const schemes = offeredSchemes(headers["proxy-authenticate"]);
    const offered = schemes.length > 0 ? ` (it offers ${schemes.join(", ")})` : "";
    const at = proxy ? `${proxy.shown} (${proxy.from}): ` : "";
    return {
      cause: "proxy",
      detail: `${at}407 Proxy Authentication Required${offered}`,
      status,
      schemes,
    };
  }
  const page = frontEvidence(status, body, headers["content-type"]);
  const via = header(headers, "via");
  if (status >= 500 && (proxy !== undefined || via !== undefined)) {
    const at = proxy ? `${proxy.shown} (${proxy.from}): ` : "";
    const by = via === undefined ? "" : ` via ${via.slice(0, 80)}`;
    return { cause: "proxy", detail: `${at}${status}${by}${page ? ` (${page})` : ""}`, status };
  }
  if (status >= 300 && status < 400) {
    const to = redirectTarget(header(headers, "location"));
    return { cause: "front", detail: `${status} redirect ${to}`, status };
  }
  const auth = status === 401 ? header(headers, "www-authenticate")?.split(/[\s,]/)[0] : undefined;
  const asked = auth ? `, WWW-Authenticate ${auth.slice(0, 40)}` : "";
  const said = page ? ` (${page}${asked})` : asked ? ` (${asked.slice(2)})` : "";
  return { cause: "front", detail: `${status}${said}`, status };
}

/** Marks `err` as the path failure `failure` (non-enumerable: never serialised). */
export function markPath<E extends object>(err: E, failure: PathFailure): E {
  Object.defineProperty(err, JUDGED, { value: failure, enumerable: false });
  return err;
}

/**
 * The path failure `err` (a failed platform request's error, or one of its causes) reports, or
 * `undefined` when the platform itself answered (its refusal, its 5xx, its rate limit) or `err` is
 * no request's failure (a timeout, an abort, a bug). In this order, the first that matches: the
 * judge's verdict on the answer (`answerPath`, marked on the error the transport built); the
 * certificate (a TLS failure, directly or through a proxy's tunnel); the proxy (it refused the
 * tunnel, answered 407, or could not reach the platform); an error carrying a status and a body
 * (a custom client's) judged by them; the resolver; the connection.
 */
export function pathFailureOf(err: unknown): PathFailure | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const judged = (err as { [JUDGED]?: PathFailure })[JUDGED];
  if (judged !== undefined) return judged;
  const tls = tlsProblemOf(err);
  if (tls !== undefined) return { cause: "certificate", detail: `${tls.code} (${tls.reason})` };
  const { status: answered, body } = err as { status?: unknown; body?: unknown };
  const proxy = proxyOfError(err);
  if (proxy !== undefined) {
    // A typed error's status, else the refusal undici raised for the proxy's answer (a 407).
    const status = typeof answered === "number" ? answered : refusalStatus(err);
    const code = nodeCode(err, RESOLVER_CODES) ?? nodeCode(err, CONNECTION_CODES);
    const said = typeof status === "number" ? String(status) : (code?.code ?? "no answer");
    const schemes = proxy.schemes ?? [];
    const offered =
      status === 407 && schemes.length > 0 ? ` (it offers ${schemes.join(", ")})` : "";
    return {
      cause: "proxy",
      detail: `${proxy.shown} (${proxy.from}): ${said}${offered}`,
      ...(typeof status === "number" ? { status } : {}),
      ...(status === 407 ? { schemes } : {}),
    };
  }
  // An answer's error a custom client built (it carries the body): judged as the transport would.
  if (typeof answered === "number" && "body" in err)
    return answerPath({ status: answered, headers: {}, body });
  if (typeof answered === "number") return undefined;
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
