// The client side of the platform's rate limit: one budget per platform bucket, shared by every
// transport of the process that sends into it, fed by the `X-RateLimit-*` headers of each answer.
//
// The platform (enteros-core aeec8e47 `middleware/ratelimit.go`) counts every request of a bucket in
// a fixed window of `RATE_LIMIT` requests a minute, from the bucket's first request. The bucket is
// the `X-Molecule-Org-Id` header when sent (one for a whole SaaS org), else the bearer, else the
// client's IP. Every answer says `X-RateLimit-Limit` (`unlimited` in development mode),
// `X-RateLimit-Remaining` and `X-RateLimit-Reset` (whole seconds to the window's end, rounded down);
// over the limit it answers `429 {"error":"rate limit exceeded","retry_after":N}` with
// `Retry-After: N` (the same rounded-down seconds: 0 in the window's last second).
//
// So agents of one process that share a bucket slow down together before the platform refuses
// them: past the reserve, only liveness requests (heartbeats, state checks) are sent until the
// window resets, and after a 429 nothing is sent until the time the platform named.

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

/**
 * One platform bucket's budget. `take()` before a request (it waits when the bucket is spent),
 * `observe()` with each answer.
 */
export class RateBucket {
  /** The window's limit, when the platform said one. */
  #limit: number | undefined;
  /** Requests the window still allows, counted down locally between answers. */
  #remaining = 0;
  /** When the current window ends (ms since the epoch); 0 when unknown. */
  #resetAt = 0;
  /** Nothing is sent before this (after a 429). */
  #blockedUntil = 0;
  /** Liveness requests sent in this window and in the one before (for the reserve). */
  #liveness = 0;
  #livenessBefore = 0;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(now: () => number = () => Date.now(), random: () => number = Math.random) {
    this.#now = now;
    this.#random = random;
  }

  /**
   * Takes one request from the budget: `0` when it may go now, else the milliseconds to wait
   * before asking again. A liveness request may use the reserve the others leave for it.
   */
  take(liveness: boolean): number {
    const now = this.#now();
    if (now < this.#blockedUntil) return this.#until(this.#blockedUntil, now);
    if (this.#limit === undefined) return 0;
    if (now >= this.#resetAt) {
      // The window ended: what the platform said of it no longer holds until the next answer.
      this.#limit = undefined;
      this.#livenessBefore = this.#liveness;
      this.#liveness = 0;
      return 0;
    }
    const floor = liveness ? 0 : this.#reserve();
    if (this.#remaining <= floor) return this.#until(this.#resetAt, now);
    this.#remaining--;
    if (liveness) this.#liveness++;
    return 0;
  }

  /** Reads an answer's `X-RateLimit-*` headers (and a 429's wait) into the budget. */
  observe(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
  ): void {
    const now = this.#now();
    if (isRateLimitRefusal(status, headers, body)) {
      const wait = rateLimitWaitMs(headers, body, now) ?? platformSecond.ms;
      this.#blockedUntil = Math.max(this.#blockedUntil, now + wait);
      this.#remaining = 0;
    }
    const limitHeader = headers["x-ratelimit-limit"];
    const limit = Number(Array.isArray(limitHeader) ? limitHeader[0] : limitHeader);
    const remaining = Number(headers["x-ratelimit-remaining"]);
    const reset = Number(headers["x-ratelimit-reset"]);
    if (!(limit > 0) || !(remaining >= 0) || !(reset >= 0)) return;
    // The window ends within a second after `reset` whole seconds (the platform rounds down).
    const resetAt = now + (reset + 1) * platformSecond.ms;
    if (this.#limit === undefined || resetAt > this.#resetAt + 1500) {
      if (this.#limit === undefined && now >= this.#resetAt && this.#resetAt !== 0) {
        this.#livenessBefore = this.#liveness;
        this.#liveness = 0;
      }
      this.#limit = limit;
      this.#remaining = remaining;
      this.#resetAt = resetAt;
    } else {
      // Answers to requests sent together arrive in any order: the lowest count is the newest.
      this.#remaining = Math.min(this.#remaining, remaining);
    }
  }

  /**
   * What the others leave for liveness requests: as many as the bucket's heartbeats and state
   * checks used in the last window, plus two, at most a quarter of the limit.
   */
  #reserve(): number {
    const limit = this.#limit ?? 0;
    const used = Math.max(this.#liveness, this.#livenessBefore);
    return Math.min(Math.floor(limit / 4), used + 2);
  }

  /**
   * The wait to `until`, plus a spread of up to a quarter second (a fleet woken by one reset does
   * not send in lockstep).
   */
  #until(until: number, now: number): number {
    return Math.max(1, until - now) + Math.floor((this.#random() * platformSecond.ms) / 4);
  }
}

/** The buckets of the process, by platform origin and bucket key. */
const buckets = new Map<string, RateBucket>();
/** Buckets kept before the oldest are forgotten (a process that rotates many tokens). */
const MAX_BUCKETS = 1_000;

/** Forgets every bucket's budget (tests: one test's 429 must not slow the next). */
export function forgetRateBuckets(): void {
  buckets.clear();
}

/**
 * The process-wide budget of the bucket a request falls in: the org id when sent (one bucket for
 * a whole SaaS org), else the bearer, else the origin alone (the platform keys it by IP).
 */
export function rateBucketOf(
  origin: string,
  orgId: string | undefined,
  token: string | undefined,
): RateBucket {
  const key = orgId ? `${origin} org:${orgId}` : token ? `${origin} tok:${token}` : `${origin} ip`;
  let bucket = buckets.get(key);
  if (bucket === undefined) {
    if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
    bucket = new RateBucket();
    buckets.set(key, bucket);
  }
  return bucket;
}
