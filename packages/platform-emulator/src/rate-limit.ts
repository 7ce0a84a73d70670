// The platform's per-IP rate limit (requests per minute) and its X-RateLimit-* headers.
import { type Ctx, sendJson } from "./http-io.js";
import type { Platform } from "./platform.js";

/** Counts the request in its IP's minute window; `false` after answering 429. */
export function rateLimit(platform: Platform, ctx: Ctx): boolean {
  const limit = platform.s.rateLimit;
  if (limit === undefined) {
    ctx.headers["X-RateLimit-Limit"] = "unlimited";
    return true;
  }
  const ip = ctx.req.socket.remoteAddress ?? "unknown";
  const now = platform.now();
  let b = platform.rl.get(ip);
  if (b === undefined || now - b.start >= 60_000) {
    b = { start: now, count: 0 };
    platform.rl.set(ip, b);
  }
  const reset = Math.max(1, Math.ceil((b.start + 60_000 - now) / 1000));
  b.count++;
  ctx.headers["X-RateLimit-Limit"] = limit;
  ctx.headers["X-RateLimit-Remaining"] = Math.max(0, limit - b.count);
  ctx.headers["X-RateLimit-Reset"] = reset;
  if (b.count > limit) {
    sendJson(
      ctx,
      429,
      { error: "rate limit exceeded", retry_after: reset },
      { "Retry-After": String(reset) },
    );
    return false;
  }
  return true;
}
