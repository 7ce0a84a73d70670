// The typed error of an answer the judge (path-failure.ts, `answerPath`) found was not the
// platform's: a front's redirect or page, a forward proxy's 407 or 5xx. One line naming what
// answered and where, with a fix that can work; marked with the verdict, so every consumer that
// asks `pathFailureOf` holds what it keeps and blames neither the token nor the peer. The peer
// form (`peerPathError`) is the same for a request sent to a peer or a webhook directly.
import { MoleculeError, MoleculePeerError } from "./errors.js";
import type { Answer, PathFailure } from "./path-failure.js";
import { markPath, pathFailureOf, peerAnswerPath, type PeerShape } from "./path-failure.js";
import { type ProxyInfo, proxyOfError } from "./proxy.js";
import { proxyAuthFix } from "./proxy-schemes.js";
import { redactDeep, redactText } from "./redact.js";

/** The words that name a front. */
const FRONT = "a proxy or load balancer in front of the platform";

/** What lets the agent's requests through a front that refused or redirected them. */
const LET_THROUGH =
  "let the agent's requests to the platform's API through it (a bypass rule, or a service token its sign-in accepts), or set MOLECULE_PLATFORM_URL to an address past it";

/**
 * The error of `op` (`POST /registry/heartbeat`) to the platform at `origin`, answered `res` by
 * the path (`failure`, the judge's verdict; `proxy`: the forward proxy the request went through),
 * with the `known` secrets masked. Retryable unless a proxy's credentials are wrong: nothing the
 * platform said rules a retry out.
 */
export function pathAnswerError(
  op: string,
  origin: string,
  res: Answer,
  failure: PathFailure,
  proxy: ProxyInfo | undefined,
  known: readonly string[],
): MoleculeError {
  const { status } = res;
  const body = redactDeep(res.body, known);
  const detail = redactText(failure.detail, known);
  let message: string;
  let code: string;
  let retryable = true;
  if (failure.cause === "proxy" && status === 407) {
    const from = proxy?.from ?? "HTTPS_PROXY";
    message = `${op} was refused by the proxy: ${detail}; ${proxyAuthFix(failure.schemes, from)}`;
    code = "proxy_refused";
    retryable = false;
  } else if (failure.cause === "proxy") {
    const via = proxy ? `the proxy ${proxy.shown} (${proxy.from})` : "a proxy";
    const said = proxy ? detail.replace(`${proxy.shown} (${proxy.from}): `, "") : detail;
    message = `${op}: could not reach the platform at ${origin} through ${via}, which answered ${said} (it could not reach the platform); check MOLECULE_PLATFORM_URL, that the proxy may reach it, or list the platform's host in NO_PROXY if it is reachable directly`;
    code = "connection_failed";
  } else if (status >= 500) {
    const said = detail.slice(String(status).length).trim() || "(an empty answer)";
    message = `${op} got ${status} from ${FRONT} ${said}, not from the platform: the platform behind it is down or unreachable; check it and retry`;
    code = status === 503 ? "unavailable" : "server_error";
    retryable = status !== 501 && status !== 505;
  } else {
    const what =
      status >= 300 && status < 400
        ? "sent the request elsewhere: a redirect, which is never followed"
        : "refused it";
    message = `${op} got ${detail} from ${FRONT}, not from the platform (it ${what}: a sign-in page, a firewall, a size limit; the token was not refused): ${LET_THROUGH}`;
    code = "front_refused";
  }
  return markPath(new MoleculeError(message, { status, body, code, retryable }), failure);
}

/** Who a request sent directly went to, as the peer form's error names it. */
interface PeerParty {
  /** How the error names the request: `peer ws-2 at http://host:8000`, `push notification to https://hooks.example`. */
  readonly at: string;
  /** The peer's id, else its origin (`MoleculePeerError.peerId`). */
  readonly peerId: string;
  /** The peer in words: `the peer`, `the A2A agent`, `the webhook`. */
  readonly name: string;
}

/**
 * Throws when the path in front of `party` gave `res` (its body read), not the peer: the judge's
 * peer form (`peerAnswerPath`) decides, and the error (a `MoleculePeerError`, the `known` secrets
 * masked) names the front or proxy, never "the peer refused" (`shape`: see `peerAnswerPath`). It is retryable unless a proxy's
 * credentials are wrong: `front_refused` (a redirect, a sign-in or other page below 500),
 * `peer_unreachable` (a front's or proxy's 5xx), `proxy_refused` (a 407).
 */
export function judgePeerAnswer(
  party: PeerParty,
  res: Answer,
  known: readonly string[],
  shape: PeerShape = "json",
): void {
  const failure = peerAnswerPath(res, shape);
  if (failure !== undefined) throw peerPathError(party, failure, res.body, known);
}

/**
 * The error of a request to `party` that a forward proxy refused or could not carry (`err`, as
 * proxy.ts marks it: a 407, a refused tunnel), named as the proxy's by the judge
 * (`pathFailureOf`); `undefined` for any other failure.
 */
export function peerProxyError(
  party: PeerParty,
  err: unknown,
  known: readonly string[],
): MoleculePeerError | undefined {
  const failure = pathFailureOf(err);
  if (failure?.cause !== "proxy") return undefined;
  return peerPathError(party, failure, undefined, known, err, proxyOfError(err)?.from);
}

function peerPathError(
  party: PeerParty,
  failure: PathFailure,
  answered: unknown,
  known: readonly string[],
  cause?: unknown,
  /** The variable or option the proxy came from, when known. */
  from = "HTTPS_PROXY (HTTP_PROXY for an http:// URL)",
): MoleculePeerError {
  const { status } = failure;
  const { at, peerId, name } = party;
  const body = redactDeep(answered, known);
  const detail = redactText(failure.detail, known);
  let message: string;
  let code = "peer_unreachable";
  let retryable = true;
  if (failure.cause === "proxy" && status === 407) {
    message = `${at} was refused by the proxy: ${detail}; ${proxyAuthFix(failure.schemes, from)}`;
    code = "proxy_refused";
    retryable = false;
  } else if (failure.cause === "proxy") {
    message = `${at}: a proxy answered ${detail}, not ${name} (it could not reach ${name}); check that the proxy may reach it, or list its host in NO_PROXY if it is reachable directly`;
  } else if (status !== undefined && status >= 500) {
    const said = detail.slice(String(status).length).trim() || "(an empty answer)";
    message = `${at} got ${status} from a proxy or load balancer in front of ${name} ${said}, not from ${name}: ${name} behind it is down or unreachable; try later`;
  } else {
    const what =
      status !== undefined && status >= 300 && status < 400
        ? "sent the request elsewhere: a redirect, which is never followed"
        : "refused it";
    message = `${at} got ${detail} from a proxy or gateway in front of ${name}, or its HTTP server outside the A2A endpoint, not from ${name} itself, which answers in JSON (it ${what}: a sign-in page, a firewall, a wrong path): let this agent's requests through it (a bypass rule, or a service token its sign-in accepts), or correct the URL if it does not name the A2A endpoint`;
    code = "front_refused";
  }
  const options = { peerId, status, body, code, retryable, ...(cause ? { cause } : {}) };
  return markPath(new MoleculePeerError(message, options), failure);
}
