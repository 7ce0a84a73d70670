// Redaction helpers: tokens and secrets never reach logs, errors or util.inspect output.

/** The text that replaces a redacted value. */
export const REDACTED = "[REDACTED]";

const SECRET_KEY = /token|secret|password|authorization|api[_-]?key|credential/i;

/**
 * Returns a deep copy of `value` in which the value of every key that looks secret (token, secret,
 * password, authorization, api key) is replaced by `"[REDACTED]"`, and every occurrence of one of
 * the `known` strings is masked, in values and in keys.
 */
export function redactDeep(value: unknown, known: readonly string[] = [], depth = 0): unknown {
  if (typeof value === "string") return redactText(value, known);
  if (value === null || typeof value !== "object" || depth > 20) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, known, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // A key can be a secret too (a body that echoes the token as a field name).
    out[redactText(k, known)] =
      SECRET_KEY.test(k) && (typeof v === "string" || typeof v === "number")
        ? REDACTED
        : redactDeep(v, known, depth + 1);
  }
  return out;
}

/**
 * `url` for a log line or an error message: its origin and path with the last segment (a push
 * endpoint's path secret) replaced by `mask`; credentials, query and fragment dropped.
 */
export function hideUrlSecret(url: string, mask = "<secret>"): string {
  try {
    const u = new URL(url);
    const segments = u.pathname.split("/");
    if (segments[segments.length - 1] !== "") segments[segments.length - 1] = mask;
    return `${u.origin}${segments.join("/")}`;
  } catch {
    return "<url hidden>";
  }
}

/** Masks every occurrence of the `known` secrets (ignoring ones shorter than 8 chars) in `text`. */
export function redactText(text: string, known: readonly string[]): string {
  let out = text;
  for (const secret of known) {
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** `util.inspect.custom`, as a shared symbol (no import of node:util needed). */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/**
 * Attaches a non-enumerable `util.inspect` hook to `obj` that prints it with the `keys` redacted.
 * `JSON.stringify` is unaffected; use it on values whose secret a caller must be able to read.
 */
export function hideInInspect<T extends object>(obj: T, keys: readonly string[]): T {
  Object.defineProperty(obj, inspectCustom, {
    enumerable: false,
    value(this: Record<string, unknown>) {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(this)) copy[k] = keys.includes(k) ? REDACTED : v;
      return copy;
    },
  });
  return obj;
}
