// Hashes, HMAC, random values and constant-time comparison as core uses them, from node:crypto on
// Node, Bun and Deno. The edge build swaps in crypto.web.ts (Web Crypto and @noble/hashes, bundled
// into `dist/edge/`); both give the same bytes for the same input (test/runtime-crypto.test.ts),
// since ids and digests are persisted and sent by instances of either kind.
// node:crypto loads on first use, not at import: loading it costs a cold import ~5 ms
// (test/cold-import.test.ts, bench import-cost).
import type * as NodeCrypto from "node:crypto";

let loaded: typeof NodeCrypto | undefined;
const nodeCrypto = (): typeof NodeCrypto => (loaded ??= process.getBuiltinModule("node:crypto"));

/** A random v4 UUID. */
export const randomUUID = (): string => nodeCrypto().randomUUID();

/** Constant-time equality of two byte arrays of the same length (throws otherwise). */
export const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean =>
  nodeCrypto().timingSafeEqual(a, b);

/** SHA-256 of `text` (UTF-8), lowercase hex. */
export const sha256Hex = (text: string): string => nodeCrypto().hash("sha256", text, "hex");

/** SHA-256 of `text` (UTF-8), base64url without padding (43 characters). */
export const sha256Base64url = (text: string): string =>
  nodeCrypto().hash("sha256", text, "base64url");

/** An incremental SHA-256 of UTF-8 text, given in pieces (none may split a surrogate pair). */
export interface TextHasher {
  update(text: string): void;
  /** The digest, base64url without padding (43 characters). */
  digestBase64url(): string;
}

/** A {@link TextHasher}: the same digest as {@link sha256Base64url} of the pieces joined. */
export function sha256Hasher(): TextHasher {
  const h = nodeCrypto().createHash("sha256");
  return {
    update: (text) => void h.update(text, "utf8"),
    digestBase64url: () => h.digest("base64url"),
  };
}

/** HMAC-SHA256 of `text` (UTF-8) under `key` (UTF-8), base64url without padding. */
export const hmacSha256Base64url = (key: string, text: string): string =>
  nodeCrypto().createHmac("sha256", key).update(text, "utf8").digest("base64url");

/** `bytes` random bytes, lowercase hex. */
export const randomHex = (bytes: number): string => nodeCrypto().randomBytes(bytes).toString("hex");

/** `bytes` random bytes, base64url without padding. */
export const randomBase64url = (bytes: number): string =>
  nodeCrypto().randomBytes(bytes).toString("base64url");
