import { sha256Hex } from "../runtime/index.js";

/**
 * Derives the idempotency key the platform uses to de-duplicate a delegation, byte-compatible with
 * the Python reference: `sha256("<task>:<unix seconds floored to the minute>")` as lowercase hex.
 *
 * The same task delegated twice within one wall-clock minute yields the same key.
 *
 * @param task - The task text being delegated.
 * @param now - The current time (defaults to `Date.now()`), as a `Date` or epoch milliseconds.
 */
export function makeIdempotencyKey(task: string, now: Date | number = Date.now()): string {
  const ms = typeof now === "number" ? now : now.getTime();
  const minute = Math.floor(ms / 1000 / 60) * 60;
  return sha256Hex(`${task}:${minute}`);
}
