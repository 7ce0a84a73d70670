// The typed error of an answer the judge (path-failure.ts, `answerPath`) found was not the
// platform's: a front's redirect or page, a forward proxy's 407 or 5xx. One line naming what
// answered and where, with a fix that can work; marked with the verdict, so every consumer that
// asks `pathFailureOf` holds what it keeps and blames neither the token nor the peer.
import { MoleculeError } from "./errors.js";
import type { Answer, PathFailure } from "./path-failure.js";
import { markPath } from "./path-failure.js";
import type { ProxyInfo } from "./proxy.js";
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
    const what = status >= 300 && status < 400 ? "sent the request elsewhere" : "refused it";
    message = `${op} got ${detail} from ${FRONT}, not from the platform (it ${what}: a sign-in page, a firewall, a size limit; the token was not refused): ${LET_THROUGH}`;
    code = "front_refused";
  }
  return markPath(new MoleculeError(message, { status, body, code, retryable }), failure);
}
