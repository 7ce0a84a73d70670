// The last line of defence for secrets in errors: whatever built an error, the token a client holds
// is masked in its message, stack, body, other fields and whole cause chain before it leaves.
import { redactDeep, redactText } from "./redact.js";

/**
 * Masks every `known` secret in `err` in place: message, stack, every own enumerable field (the
 * response body deeply) and, recursively, its `cause` chain and `errors` (AggregateError).
 * Returns `err`.
 */
export function maskError<T>(err: T, known: readonly string[], seen = new Set<unknown>()): T {
  if (!err || typeof err !== "object" || seen.has(err) || known.every((k) => k.length < 8))
    return err;
  seen.add(err);
  const e = err as Record<string, unknown>;
  for (const key of ["message", "stack"]) {
    const v = e[key];
    if (typeof v === "string") {
      const masked = redactText(v, known);
      if (masked !== v) setField(e, key, masked);
    }
  }
  for (const [key, v] of Object.entries(e)) {
    if (key === "cause" || key === "errors") continue;
    const masked = redactDeep(v, known);
    if (typeof v === "string" ? masked !== v : v !== null && typeof v === "object")
      setField(e, key, masked);
  }
  if ("cause" in e) maskError(e.cause, known, seen);
  if (Array.isArray(e.errors)) for (const inner of e.errors) maskError(inner, known, seen);
  return err;
}

function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  try {
    Object.defineProperty(obj, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: Object.prototype.propertyIsEnumerable.call(obj, key),
    });
  } catch {
    // A frozen or non-configurable field: nothing more can be done from here.
  }
}

/**
 * Wraps every public method of `target` (those of `proto`) so that an error it throws or rejects
 * with passes through {@link maskError} with the secrets `known()` returns at that moment.
 */
export function maskMethodErrors(target: object, proto: object, known: () => string[]): void {
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === "constructor") continue;
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (!desc || typeof desc.value !== "function") continue;
    // The most derived implementation (a subclass may override it and call super).
    const original = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      enumerable: false,
      value(this: unknown, ...args: unknown[]): unknown {
        let result: unknown;
        try {
          result = original.apply(this, args);
        } catch (err) {
          throw maskError(err, known());
        }
        if (result instanceof Promise) {
          return result.catch((err: unknown) => {
            throw maskError(err, known());
          });
        }
        return result;
      },
    });
  }
}
