// The retry policy: which failures are retried and how long to wait before the next attempt.

/** Maximum number of retries after the first attempt. */
export const MAX_RETRIES = 3;
/** Upper bound for any wait, in milliseconds. */
export const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The seconds a `Retry-After`-style header names (delta seconds, or an HTTP-date's distance from
 * `nowMs`); `undefined` for a missing, unparsable, negative or past value.
 */
export function retryAfterSeconds(
  header: string | string[] | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const seconds = Number(value);
    return Number.isFinite(seconds) ? seconds : undefined;
  }
  // Anything with a sign, NaN, "Infinity", etc. is garbage; only HTTP-dates remain.
  if (!/[a-z]/i.test(value) || !/\d{4}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (!Number.isFinite(at) || at <= nowMs) return undefined;
  return (at - nowMs) / 1000;
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP-date) into milliseconds, capped at 30 s.
 * Returns `undefined` for a missing, unparsable, negative or past value (the caller then uses the
 * exponential backoff).
 *
 * @param header - The raw header value.
 * @param nowMs - The current time (for HTTP-dates).
 */
export function parseRetryAfter(
  header: string | string[] | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const seconds = retryAfterSeconds(header, nowMs);
  return seconds === undefined
    ? undefined
    : Math.min(Math.ceil(seconds * 1000), MAX_RETRY_DELAY_MS);
}

/** Statuses worth retrying for idempotent requests. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503;
}
