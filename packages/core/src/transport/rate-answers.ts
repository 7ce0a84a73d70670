// What the platform's rate limiter says in its answers (enteros-core aeec8e47
// `middleware/ratelimit.go`): the wait a refusal asks for, whether a 429 is the limiter's own, and
// the length of the platform's second those waits are counted in. `RateBucket` (rate-budget.ts)
// reads them.
import { retryAfterSeconds } from "./retry.js";

/** Longest wait the platform's limiter can ask for: its window (a minute) and the rounding second. */
const MAX_RATE_WAIT_MS = 61_000;

/**
 * The length of the platform's second, for the waits it asks for (tests that drive many refusals
 * shorten it; never changed otherwise).
 */
export const platformSecond = { ms: 1_000 };

/**
 * The wait a rate-limited answer asks for, in milliseconds: `Retry-After` (or the body's
 * `retry_after`, else `X-RateLimit-Reset`) in whole seconds rounded down by the platform, so one
 * second more, and at least one second (`0` means "at the next second"). `undefined` when the answer
 * names no wait.
 */
export function rateLimitWaitMs(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
  nowMs: number = Date.now(),
): number | undefined {
  const seconds =
    retryAfterSeconds(headers["retry-after"], nowMs) ??
    numberOf((body as { retry_after?: unknown } | null | undefined)?.retry_after) ??
    retryAfterSeconds(headers["x-ratelimit-reset"], nowMs);
  if (seconds === undefined) return undefined;
  const second = platformSecond.ms;
  return Math.min(MAX_RATE_WAIT_MS, Math.floor(seconds) * second + second);
}

function numberOf(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** The wait an error says the platform asked for (`retryAfterMs` of a rate-limit error), in ms. */
export function askedWaitMs(err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  return typeof ms === "number" && ms >= 0 ? ms : undefined;
}

/**
 * Whether an answer is the platform limiter's refusal (so the request was not handled at all): a
 * 429 with its body (`{"error":"rate limit exceeded"}`) or its spent window
 * (`X-RateLimit-Remaining: 0`). A peer's own 429, relayed by the A2A proxy, is neither: it is the
 * peer's answer, not the platform's budget.
 */
export function isRateLimitRefusal(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): boolean {
  if (status !== 429) return false;
  if ((body as { error?: unknown } | null | undefined)?.error === "rate limit exceeded")
    return true;
  return headers["x-ratelimit-remaining"] === "0";
}
