// Only the platform may push. A push endpoint answers a POST that does not carry the platform's
// bearer (`Authorization: Bearer <platform_inbound_secret>`, August 2026: enteros-core 858511a8,
// 0ab833a4, b27707c2) before reading its body: `401` once the endpoint knows the secret and this is
// not it; `503` with `Retry-After` while it does not know the secret yet (it runs nothing it cannot
// check; the platform's own push is retried). These answers are written once here, for a
// RemoteAgent's endpoints (agent/source/platform-bearer.ts) and for `createA2AHandler`'s
// `platformSecret` option (serverless and edge routes: {@link PlatformSecretCheck}).
import type { PlatformSecretSource } from "./handler-types.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { MoleculeOptionError } from "../../transport/index.js";
import { closeUnread } from "./http-checks.js";
import { verifyBearer } from "./secret.js";

/** What a push endpoint does with a POST: run it, or refuse it (401, or 503 + Retry-After). */
export type PlatformAuthVerdict = "pass" | "unauthorized" | "unknown";

/** Seconds a caller refused with `503` (secret not known yet) is told to wait. */
const PLATFORM_AUTH_RETRY_AFTER_S = 5;

const BODIES = {
  unauthorized: JSON.stringify({
    error:
      "unauthorized: only the platform may push to this agent (Authorization: Bearer <platform_inbound_secret>)",
  }),
  unknown: JSON.stringify({
    error:
      "unavailable: this agent does not know its platform's secret yet, so it cannot tell the platform's pushes from others'; retry later",
  }),
};

function headersOf(verdict: "unauthorized" | "unknown"): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "application/json",
    "cache-control": "no-store",
  };
  if (verdict === "unknown") h["retry-after"] = String(PLATFORM_AUTH_RETRY_AFTER_S);
  return h;
}

/** Answers a refused node:http request (its body left unread). */
export function refusePlatformNode(
  req: IncomingMessage,
  res: ServerResponse,
  verdict: "unauthorized" | "unknown",
): void {
  const body = BODIES[verdict];
  closeUnread(req, res);
  res.writeHead(verdict === "unknown" ? 503 : 401, {
    ...headersOf(verdict),
    "content-length": String(body.length),
  });
  res.end(body);
}

/** The answer to a refused fetch request. */
export function refusePlatformFetch(verdict: "unauthorized" | "unknown"): Response {
  return new Response(BODIES[verdict], {
    status: verdict === "unknown" ? 503 : 401,
    headers: headersOf(verdict),
  });
}

/** The check of `createA2AHandler`'s `platformSecret` (every route but the card and its keys). */
export class PlatformSecretCheck {
  readonly #source: PlatformSecretSource;

  constructor(source: PlatformSecretSource) {
    if (!(typeof source === "function" || (typeof source === "string" && source !== ""))) {
      throw new MoleculeOptionError(
        "platformSecret",
        "platformSecret must be the platform's inbound secret (the platform_inbound_secret register and heartbeat answer) or a function returning it, e.g. platformSecretOf(client); an unset environment variable is refused here so it never opens the endpoint.",
      );
    }
    this.#source = source;
  }

  /**
   * What to do with a request of `method` carrying `authorization`, to a route of the endpoint
   * other than its public card (the caller skips those): every method but `OPTIONS` needs the
   * bearer, GETs and DELETEs too (a task read, a webhook deleted over HTTP+JSON), since the
   * platform sends the bearer with all it sends.
   */
  async verdict(
    method: string | undefined,
    authorization: string | null | undefined,
  ): Promise<PlatformAuthVerdict> {
    if (method === "OPTIONS") return "pass";
    const source = this.#source;
    if (typeof source === "string")
      return verifyBearer(authorization, source) ? "pass" : "unauthorized";
    const secret = await source(false);
    if (!secret) return "unknown";
    if (verifyBearer(authorization, secret)) return "pass";
    const fresh = await source(true);
    if (!fresh) return "unknown";
    return fresh !== secret && verifyBearer(authorization, fresh) ? "pass" : "unauthorized";
  }
}
