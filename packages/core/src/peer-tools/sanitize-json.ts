// Peer output inside structured tool results: every string sanitised, the structure kept.
import { sanitizePeerText } from "../a2a/index.js";

/**
 * Sanitises every string in a JSON value (`sanitizePeerText`); returns the same reference when
 * nothing changed. A value nested deeper than 64 levels is replaced by a note: its strings would
 * otherwise reach the model unsanitised.
 */
export function sanitizePeerJson<T>(value: T, depth = 0): T {
  if (typeof value === "string") {
    const clean = sanitizePeerText(value);
    return (clean === value ? value : clean) as T;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth > 64) return "[omitted: nested too deep]" as T;
  if (Array.isArray(value)) {
    let touched = false;
    const next = value.map((item) => {
      const clean = sanitizePeerJson(item, depth + 1);
      if (clean !== item) touched = true;
      return clean;
    });
    return (touched ? next : value) as T;
  }
  let touched = false;
  const next: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const clean = sanitizePeerJson(item, depth + 1);
    if (clean !== item) touched = true;
    next[key] = clean;
  }
  return (touched ? next : value) as T;
}
