// The request entry point: builds the per-request context, applies injected faults, the rate
// limit and the tenant guard, routes, and turns a thrown `HttpError` (or an internal bug) into the platform's answer.
import type { IncomingMessage, ServerResponse } from "node:http";
import { applyRequestFault } from "./faults.js";
import { HttpError, SECURITY_HEADERS, sendJson, type Ctx } from "./http-io.js";
import type { Platform } from "./platform.js";
import { rateLimit } from "./rate-limit.js";
import { route } from "./router.js";
import { tenantGuard } from "./tenant-guard.js";
import { bearerOf, hashToken } from "./util.js";

/** Bearer -> sha256 memo: a memo of a pure function, so a revoked token still fails at once (revocation
 * is checked on the token row). At most 1,024 tokens of at most 128 characters; cleared when full. */
const bearerHashes = new Map<string, string>();

/** The bearer's hash, memoised: saves a sha256 (createHash, update, digest) on every request. */
function hashBearer(bearer: string): string {
  let h = bearerHashes.get(bearer);
  if (h !== undefined) return h;
  h = hashToken(bearer);
  if (bearer.length > 128) return h;
  if (bearerHashes.size >= 1024) bearerHashes.clear();
  bearerHashes.set(bearer, h);
  return h;
}

/** The node:http request listener of `platform`. Never throws; never answers 500 with a stack trace. */
export function requestHandler(
  platform: Platform,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q === -1 ? url : url.slice(0, q);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const bearer = bearerOf(req.headers.authorization);
    const ctx: Ctx = {
      req,
      res,
      method: req.method ?? "GET",
      path,
      query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
      bearer,
      bearerHash: bearer === undefined ? undefined : hashBearer(bearer),
      headers: { ...SECURITY_HEADERS },
    };
    const p = run(platform, ctx).catch((err: unknown) => fail(ctx, err));
    if (platform.closing) return;
    platform.track(p);
  };
}

async function run(platform: Platform, ctx: Ctx): Promise<void> {
  if (platform.faults.length > 0) {
    const handled = await applyRequestFault(platform, ctx);
    if (handled) return;
  }
  // The server's order (`router.go` at aeec8e47): rate limit, tenant guard, then the routes.
  if (!rateLimit(platform, ctx)) return;
  if (!tenantGuard(platform, ctx)) return;
  await route(platform, ctx);
}

function fail(ctx: Ctx, err: unknown): void {
  if (ctx.res.headersSent || ctx.res.destroyed) {
    if (!ctx.res.writableEnded) ctx.res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    sendJson(ctx, err.status, err.body, err.headers);
    return;
  }
  // Internal bug: answer like the platform's generic failure, without internals.
  sendJson(ctx, 503, {
    error: "platform datastore unavailable — retry shortly",
    code: "platform_unavailable",
  });
}
