// Finding a remote A2A agent's card: at `cardUrl` when given, else at the agent URL's origin
// `/.well-known/agent-card.json` (A2A 0.3+), below its path (`<url>/.well-known/agent-card.json`),
// then the older `/.well-known/agent.json` (A2A 0.2). Each through the address guard, bounded to
// 256 KiB, with only `Accept` and `User-Agent` (no credential: the card says which to send).
import { isTlsErrorCode, MoleculeError, MoleculePeerError } from "../../transport/index.js";
import type { TlsParty } from "../../transport/index.js";
import type { AddressGuard } from "./address-guard.js";
import { remoteRequest } from "./http.js";

const MAX_CARD_BYTES = 256 * 1024;

/** The card URLs to try for an agent, in order. */
export function cardCandidates(agentUrl: string): string[] {
  const url = new URL(agentUrl);
  if (/\.json$/i.test(url.pathname) && url.pathname.includes("/.well-known/")) return [url.href];
  const path = url.pathname.replace(/\/+$/, "");
  const out = [`${url.origin}/.well-known/agent-card.json`];
  if (path !== "") out.push(`${url.origin}${path}/.well-known/agent-card.json`);
  out.push(`${url.origin}/.well-known/agent.json`);
  if (path !== "") out.push(`${url.origin}${path}/.well-known/agent.json`);
  return out;
}

/**
 * The first card found at `candidates` (a JSON object with a `name`) within `timeoutMs` in all,
 * with the URL it was read from. A certificate that fails (`tls_*`), or the path's answer (the
 * judge's: a front's sign-in redirect or page, a proxy's 407; a 404 is the agent's "no card here")
 * is thrown at once: every candidate is at the same origin.
 * Throws `a2a_card_unavailable` when none answers one, with the last failure as its cause (`given`:
 * the candidate is the caller's `cardUrl`); an address refusal or an abort as is.
 */
export async function discoverCard(
  guard: AddressGuard,
  candidates: readonly string[],
  options: {
    who: string;
    party: TlsParty;
    given: boolean;
    signal?: AbortSignal | undefined;
    timeoutMs: number;
    userAgent: string;
  },
): Promise<{ card: Record<string, unknown>; url: string }> {
  const tried: string[] = [];
  let cause: unknown;
  // `timeoutMs` bounds the whole look-up: each candidate gets what is left of it.
  const until = performance.now() + options.timeoutMs;
  for (const candidate of candidates) {
    const timeoutMs = Math.ceil(until - performance.now());
    if (timeoutMs < 1) break;
    let res;
    try {
      res = await remoteRequest(
        guard,
        new URL(candidate),
        { method: "GET" },
        { ...options, timeoutMs, maxBytes: MAX_CARD_BYTES, shape: "card" },
      );
    } catch (err) {
      // Refused by the address rule, aborted, its certificate or the path's answer (the judge's,
      // the only error with a status): the same at every candidate.
      const judged = err instanceof MoleculePeerError && err.status !== undefined;
      if (!(err instanceof MoleculePeerError) || isTlsErrorCode(err.code) || judged) throw err;
      tried.push(`${new URL(candidate).pathname}: ${err.code}`);
      cause = err;
      continue;
    }
    const body = res.body;
    if (
      res.status === 200 &&
      typeof body === "object" &&
      body !== null &&
      !Array.isArray(body) &&
      typeof (body as { name?: unknown }).name === "string"
    ) {
      return { card: body as Record<string, unknown>, url: candidate };
    }
    tried.push(`${new URL(candidate).pathname}: HTTP ${res.status}`);
  }
  const fix = options.given
    ? "check RemoteA2AAgent's cardUrl"
    : "pass the card's exact URL as cardUrl";
  throw new MoleculeError(
    `no agent card found for the A2A agent at ${options.who} (tried ${tried.join(", ")}); ${fix}`,
    { code: "a2a_card_unavailable", retryable: true, ...(cause === undefined ? {} : { cause }) },
  );
}
