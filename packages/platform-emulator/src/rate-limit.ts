// The platform's rate limit and its X-RateLimit-* headers, as `middleware/ratelimit.go` at
// enteros-core aeec8e47: a fixed window of `limit` requests per minute per caller key, from the
// key's first request; it runs before the tenant guard, authentication and every route.
import { type Ctx, dropSecurityHeaders, sendJson } from "./http-io.js";
import type { Platform } from "./platform.js";

const WINDOW_MS = 60_000;
/** Buckets kept before the stale ones (started 10 minutes ago or more, as the server's sweep) go. */
const PRUNE_AT = 10_000;

/**
 * `keyFor`: the `X-Molecule-Org-Id` header when present (trimmed: one bucket for a whole org),
 * else the bearer's hash, else the client IP. The three never collide (prefixes).
 */
function keyFor(ctx: Ctx): string {
  const org = ctx.req.headers["x-molecule-org-id"];
  const orgId = (Array.isArray(org) ? org[0] : org)?.trim();
  if (orgId !== undefined && orgId !== "") return `org:${orgId}`;
  if (ctx.bearerHash !== undefined) return `tok:${ctx.bearerHash}`;
  return `ip:${ctx.req.socket.remoteAddress ?? "unknown"}`;
}

/**
 * Whole seconds to the window's end, rounded down, never negative. The server reads its clock a
 * moment after the bucket's start (`int(time.Until(end).Seconds())`), so exactly 60 s left reads
 * 59, and the last second reads 0.
 */
function secondsLeft(end: number, now: number): number {
  return Math.max(0, Math.ceil((end - now) / 1000) - 1);
}

/** Counts the request in its key's window; `false` after answering 429 (the request uses no token). */
export function rateLimit(platform: Platform, ctx: Ctx): boolean {
  const limit = platform.rateLimit;
  if (limit === undefined) {
    // `MOLECULE_ENV=development`: the server's limiter is off and says so.
    ctx.headers["X-RateLimit-Limit"] = "unlimited";
    return true;
  }
  const now = platform.now();
  const key = keyFor(ctx);
  let b = platform.rl.get(key);
  if (b === undefined) {
    if (platform.rl.size >= PRUNE_AT) prune(platform, now);
    b = { tokens: limit, start: now };
    platform.rl.set(key, b);
  }
  if (now - b.start >= WINDOW_MS) {
    b.tokens = limit;
    b.start = now;
  }
  const reset = secondsLeft(b.start + WINDOW_MS, now);
  ctx.headers["X-RateLimit-Limit"] = limit;
  ctx.headers["X-RateLimit-Remaining"] = Math.max(0, b.tokens - 1);
  ctx.headers["X-RateLimit-Reset"] = reset;
  if (b.tokens <= 0) {
    // Aborted before the server's security-headers middleware: the 429 carries none of them.
    dropSecurityHeaders(ctx);
    sendJson(
      ctx,
      429,
      { error: "rate limit exceeded", retry_after: reset },
      { "Retry-After": String(reset) },
    );
    return false;
  }
  b.tokens--;
  return true;
}

/** Forgets the windows that started 10 minutes ago or more (the server's 5-minute sweep). */
function prune(platform: Platform, now: number): void {
  for (const [k, b] of platform.rl) if (now - b.start >= 10 * WINDOW_MS) platform.rl.delete(k);
}
