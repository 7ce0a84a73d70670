// The capability-URL secret guarding the push endpoint: generation and constant-time comparison;
// and the bearer check of an operator route (`verifyBearer`).
import {
  hmacSha256Base64url,
  randomBase64url,
  sha256Hex,
  timingSafeEqual,
  utf8Bytes,
} from "../../runtime/index.js";
import { MoleculeOptionError } from "../../transport/index.js";

/** A fresh 256-bit path secret, base64url-encoded (43 characters, URL-safe). */
export function generatePathSecret(): string {
  return randomBase64url(32);
}

/**
 * A 256-bit path secret derived from a stable key (HMAC-SHA256 of `context` under `key`,
 * base64url): the same key and context give the same secret in every process, so a restarted
 * agent serves the URL it registered before. The secret reveals nothing of `key`.
 */
export function derivePathSecret(key: string, context: string): string {
  return hmacSha256Base64url(key, context);
}

const SECRET_SHAPE = /^[A-Za-z0-9_-]{22,256}$/;

/** Throws when `secret` is not a URL-safe string of at least 22 characters (128 bits). */
export function assertPathSecret(secret: string): void {
  if (typeof secret !== "string" || !SECRET_SHAPE.test(secret)) {
    throw new MoleculeOptionError(
      "pathSecret",
      "pathSecret must be 22-256 URL-safe characters [A-Za-z0-9_-]; use generatePathSecret()",
    );
  }
}

/**
 * Compares candidates with a fixed secret in constant time (`crypto.timingSafeEqual` on
 * equal-length buffers). A candidate of another length is rejected at once: that reveals only the
 * secret's length (43 characters for every generated secret), never its content.
 */
export class SecretMatcher {
  readonly #secret: Uint8Array;

  constructor(secret: string) {
    this.#secret = utf8Bytes(secret);
  }

  /** True when `candidate` equals the secret. */
  matches(candidate: string): boolean {
    if (candidate.length !== this.#secret.length) return false; // the secret is ASCII
    const bytes = utf8Bytes(candidate);
    return bytes.length === this.#secret.length && timingSafeEqual(bytes, this.#secret);
  }
}

/**
 * Whether an `Authorization` header is `Bearer <secret>`, for an operator route (a cron route, an
 * admin hook): compared in constant time, over the SHA-256 of both, so neither the secret's
 * content nor its length shows in the timing. `false` for any request while `secret` is unset or
 * empty, so a missing environment variable refuses everyone (never `Bearer undefined`); say so at
 * start (or on the first request) so the operator sets it.
 */
export function verifyBearer(
  authorization: string | null | undefined,
  secret: string | undefined,
): boolean {
  if (typeof secret !== "string" || secret === "") return false;
  return verifyBearerDigest(authorization, bearerDigest(secret));
}

/**
 * The SHA-256 (hex) of `Bearer <secret>`: what a store keeps instead of the secret, and what
 * {@link verifyBearerDigest} compares a request's header with.
 */
export function bearerDigest(secret: string): string {
  return sha256Hex(`Bearer ${secret}`);
}

/** {@link verifyBearer} against a {@link bearerDigest} (constant time over both digests). */
export function verifyBearerDigest(
  authorization: string | null | undefined,
  digest: string,
): boolean {
  const given = utf8Bytes(sha256Hex(typeof authorization === "string" ? authorization : ""));
  const want = utf8Bytes(digest);
  return given.length === want.length && timingSafeEqual(given, want);
}
