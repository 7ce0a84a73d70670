// What a poll delivery reads when it has no cursor yet (first start, or an empty store).
import { MoleculeOptionError } from "../transport/index.js";

/**
 * Which messages a first start delivers (no cursor in the store):
 * - `"all"` (default): every message the platform still holds for the workspace, oldest first;
 * - `"none"`: none of the messages already queued; delivery starts from the newest one;
 * - `{ sinceMs }`: the messages logged in the last `sinceMs` milliseconds (the Claude channel
 *   plugin's first-run `since_secs` window, in ms).
 */
export type Backfill = "all" | "none" | { sinceMs: number };

/**
 * The window `"all"` asks for: ten years, in seconds. The platform keeps activity for
 * `ACTIVITY_RETENTION_DAYS` (7 by default), so this reaches everything it still holds.
 */
export const ALL_SECS = 10 * 365 * 24 * 3600;

/**
 * Throws a `MoleculeOptionError` (code `invalid_option`) naming the accepted forms when `value` is not
 * a {@link Backfill}.
 */
export function checkBackfill(value: unknown): Backfill {
  if (value === undefined) return "all";
  if (value === "all" || value === "none") return value;
  if (
    value !== null &&
    typeof value === "object" &&
    Number.isFinite((value as { sinceMs?: unknown }).sinceMs) &&
    (value as { sinceMs: number }).sinceMs >= 0
  ) {
    return { sinceMs: (value as { sinceMs: number }).sinceMs };
  }
  throw new MoleculeOptionError(
    "backfill",
    `backfill must be "all", "none" or { sinceMs: <non-negative number> } (got ${JSON.stringify(value)}).`,
  );
}

/** The `since_secs` window of a backfill; `undefined` for `"none"` (only the newest row is read). */
export function backfillSecs(backfill: Backfill): number | undefined {
  if (backfill === "none") return undefined;
  if (backfill === "all") return ALL_SECS;
  return Math.max(0, Math.ceil(backfill.sinceMs / 1000));
}
