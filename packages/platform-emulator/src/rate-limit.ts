// The platform's rate limit and its X-RateLimit-* headers, as `middleware/ratelimit.go` at
// enteros-core aeec8e47: a fixed window of `limit` requests per minute per caller key, from the
// key's first request; it runs before the tenant guard, authentication and every route.
import type { IncomingMessage } from "node:http";
import { type Ctx, dropSecurityHeaders, sendJson } from "./http-io.js";
import type { Platform } from "./platform.js";

const WINDOW_MS = 60_000;
/** Buckets kept before the stale ones (started 10 minutes ago or more, as the server's sweep) go. */
const PRUNE_AT = 10_000;

/**
 * `keyFor`: the `X-Molecule-Org-Id` header when present (trimmed: one bucket for a whole org),
 * else the bearer's hash, else the client IP. The three never collide (prefixes).
 */
function keyFor(req: IncomingMessage, bearerHash: string | undefined): string {
  const org = req.headers["x-molecule-org-id"];
  const orgId = (Array.isArray(org) ? org[0] : org)?.trim();
  if (orgId !== undefined && orgId !== "") return `org:${orgId}`;
  if (bearerHash !== undefined) return `tok:${bearerHash}`;
  return `ip:${req.socket.remoteAddress ?? "unknown"}`;
}

/**
 * Whole seconds to the window's end, rounded down, never negative. The server reads its clock a
 * moment after the bucket's start (`int(time.Until(end).Seconds())`), so exactly 60 s left reads
 * 59, and the last second reads 0.
 */
function secondsLeft(end: number, now: number): number {
  return Math.max(0, Math.ceil((end - now) / 1000) - 1);
}

/**
 * Counts a request in its key's window and sets the `X-RateLimit-*` headers in `headers`; `false`
 * when the window is used up (the request uses no token). The HTTP path and the `GET /ws` upgrade
 * both go through it.
 */
export function countRequest(
  platform: Platform,
  req: IncomingMessage,
  bearerHash: string | undefined,
  headers: Record<string, string | number>,
): boolean {
  const limit = platform.rateLimit;
  if (limit === undefined) {
    // `MOLECULE_ENV=development`: the server's limiter is off and says so.
    headers["X-RateLimit-Limit"] = "unlimited";
    return true;
  }
  const now = platform.now();
  const key = keyFor(req, bearerHash);
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
  headers["X-RateLimit-Limit"] = limit;
  headers["X-RateLimit-Remaining"] = Math.max(0, b.tokens - 1);
  headers["X-RateLimit-Reset"] = reset;
  if (b.tokens <= 0) return false;
  b.tokens--;
  return true;
}

/** The 429 of a used-up window: its body and `Retry-After` (N = the `X-RateLimit-Reset` just set). */
export function tooManyRequests(headers: Record<string, string | number>): {
  body: { error: string; retry_after: number };
  retryAfter: string;
} {
  const reset = Number(headers["X-RateLimit-Reset"]);
  return { body: { error: "rate limit exceeded", retry_after: reset }, retryAfter: String(reset) };
}

/** Counts the request in its key's window; `false` after answering 429 (the request uses no token). */
export function rateLimit(platform: Platform, ctx: Ctx): boolean {
  if (countRequest(platform, ctx.req, ctx.bearerHash, ctx.headers)) return true;
  // Aborted before the server's security-headers middleware: the 429 carries none of them.
  dropSecurityHeaders(ctx);
  const over = tooManyRequests(ctx.headers);
  sendJson(ctx, 429, over.body, { "Retry-After": over.retryAfter });
  return false;
}

/** Forgets the windows that started 10 minutes ago or more (the server's 5-minute sweep). */
function prune(platform: Platform, now: number): void {
  for (const [k, b] of platform.rl) if (now - b.start >= 10 * WINDOW_MS) platform.rl.delete(k);
}
