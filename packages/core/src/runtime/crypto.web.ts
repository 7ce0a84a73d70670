// crypto.ts for the edge build (`dist/edge/`, rolldown.config.ts): Web Crypto for random values and
// UUIDs, @noble/hashes (bundled into `dist/edge/`, not a dependency of the package) for the
// synchronous SHA-256 and HMAC the call sites need. Same bytes as node:crypto for the same input.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

const utf8 = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const random = (bytes: number): Uint8Array => crypto.getRandomValues(new Uint8Array(bytes));

export const randomUUID = (): string => crypto.randomUUID();

/** Constant-time equality of two byte arrays of the same length (throws otherwise, as Node does). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError("Input buffers must have the same byte length");
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const sha256Hex = (text: string): string => bytesToHex(sha256(utf8.encode(text)));

export const sha256Base64url = (text: string): string => base64url(sha256(utf8.encode(text)));

export function sha256Hasher(): {
  update(text: string): void;
  digestBase64url(): string;
} {
  const h = sha256.create();
  return {
    update: (text) => void h.update(utf8.encode(text)),
    digestBase64url: () => base64url(h.digest()),
  };
}

export const hmacSha256Base64url = (key: string, text: string): string =>
  base64url(hmac(sha256, utf8.encode(key), utf8.encode(text)));

export const randomHex = (bytes: number): string => bytesToHex(random(bytes));

export const randomBase64url = (bytes: number): string => base64url(random(bytes));
