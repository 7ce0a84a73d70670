// The capability-URL secret guarding the push endpoint: generation and constant-time comparison.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh 256-bit path secret, base64url-encoded (43 characters, URL-safe). */
export function generatePathSecret(): string {
  return randomBytes(32).toString("base64url");
}

const SECRET_SHAPE = /^[A-Za-z0-9_-]{22,256}$/;

/** Throws when `secret` is not a URL-safe string of at least 22 characters (128 bits). */
export function assertPathSecret(secret: string): void {
  if (typeof secret !== "string" || !SECRET_SHAPE.test(secret)) {
    throw new TypeError(
      "pathSecret must be 22-256 URL-safe characters [A-Za-z0-9_-]; use generatePathSecret()",
    );
  }
}

/**
 * Compares candidates with a fixed secret in constant time. Both sides are hashed first, so the
 * comparison leaks neither the secret's content nor its length.
 */
export class SecretMatcher {
  readonly #digest: Buffer;

  constructor(secret: string) {
    this.#digest = createHash("sha256").update(secret).digest();
  }

  /** True when `candidate` equals the secret. */
  matches(candidate: string): boolean {
    return timingSafeEqual(createHash("sha256").update(candidate).digest(), this.#digest);
  }
}
