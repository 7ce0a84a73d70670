// The SHA-256 of a value's JSON text without that text held whole: a message of megabytes is
// fingerprinted in slices, not as one more copy of itself (and its UTF-8 bytes).
import { sha256Base64url, sha256Hasher, type TextHasher } from "../../runtime/index.js";
import { placeholderTag } from "../../transport/index.js";

/** Strings longer than this are hashed in slices of this many characters. */
const SLICE = 64 * 1024;

/**
 * `sha256Base64url(JSON.stringify(value))`, the same digest, with each string longer than 64 Ki
 * characters hashed in slices of its JSON text: the value's JSON is built with a placeholder in
 * their place (a random tag nothing sent can name), and hashed piece by piece around them.
 */
export function jsonSha256Base64url(value: unknown): string {
  if (!hasLongString(value)) return sha256Base64url(JSON.stringify(value));
  const long: string[] = [];
  const tag = placeholderTag();
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "string" || v.length <= SLICE) return v;
    long.push(v);
    return `${tag}${long.length - 1}`;
  });
  if (long.length === 0) return sha256Base64url(json);
  const hash = sha256Hasher();
  const escaped = JSON.stringify(tag).slice(1, -1);
  let at = 0;
  for (let i = 0; i < long.length; i++) {
    const placeholder = `"${escaped}${i}"`;
    const found = json.indexOf(placeholder, at);
    if (found === -1) return sha256Base64url(JSON.stringify(value)); // never: the tag is ours
    hash.update(json.slice(at, found));
    hashJsonString(hash, long[i]!);
    at = found + placeholder.length;
  }
  hash.update(json.slice(at));
  return hash.digestBase64url();
}

/** Whether `value` holds a string longer than {@link SLICE} (a small message is hashed whole). */
function hasLongString(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (v.length > SLICE) return true;
    } else if (typeof v === "object" && v !== null) {
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
    }
  }
  return false;
}

/** A character `JSON.stringify` writes otherwise than as itself (a lone surrogate half among them). */
// oxlint-disable-next-line no-control-regex -- the control characters are what it finds
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Hashes `JSON.stringify(text)` in slices that never split a surrogate pair; a slice JSON writes as
 * it is is hashed as it is (no copy of it made to hash).
 */
function hashJsonString(hash: TextHasher, text: string): void {
  hash.update('"');
  for (let from = 0; from < text.length;) {
    let to = Math.min(from + SLICE, text.length);
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to--; // a pair's first half
    const slice = text.slice(from, to);
    hash.update(ESCAPED.test(slice) ? JSON.stringify(slice).slice(1, -1) : slice);
    from = to;
  }
  hash.update('"');
}
