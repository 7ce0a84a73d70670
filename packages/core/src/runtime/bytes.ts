// UTF-8 and base64 over bytes as core uses them, with Node's Buffer on Node, Bun and Deno. The edge
// build swaps in bytes.web.ts (TextEncoder, TextDecoder, atob and btoa): no Buffer there.

/** The UTF-8 encoding of `text`. */
export const utf8Bytes = (text: string): Uint8Array => Buffer.from(text, "utf8");

/** `bytes` as the chunk type of Node's HTTP clients (a Buffer over the same memory, no copy). */
export const chunkOf = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The UTF-8 length of `text` in bytes. */
export const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");

/** `chunks` (of `size` bytes in all, when known) decoded as UTF-8. */
export function utf8Text(chunks: readonly Uint8Array[], size?: number): string {
  if (chunks.length === 1) {
    const c = chunks[0]!;
    // undici's chunks are Buffers already: decode them as they are (no view, the hot path).
    if (Buffer.isBuffer(c)) return c.toString("utf8");
    return Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString("utf8");
  }
  const all = Buffer.concat(chunks, size);
  const text = all.toString("utf8");
  freeBytes(all); // never held with what the text is parsed to
  return text;
}

/** `chunks` (of `size` bytes in all) copied into one buffer of their own. */
export const joinBytes = (chunks: readonly Uint8Array[], size: number): Uint8Array =>
  Buffer.concat(chunks, size);

/** An ArrayBuffer's ES2024 `transfer` (Node 21+): `transfer(0)` frees its memory at once. */
type Detachable = ArrayBufferLike & { transfer(length: number): ArrayBuffer };

/**
 * Frees `bytes`' memory now (it is detached: empty from here on), not at V8's next collection
 * (which waits for 64 MiB of such garbage), when `bytes` is the only view of its memory (a copy
 * of one's own, a chunk Node's HTTP server copied for a body's one reader); a view of part of
 * its memory (a shared pool's slice, undici's view of a socket read) is left alone.
 */
export function freeBytes(bytes: Uint8Array): void {
  const memory = bytes.buffer as Detachable;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === memory.byteLength;
  if (whole && bytes.byteLength > 0 && "transfer" in memory) {
    memory.transfer(0);
  }
}

/** `text` (UTF-8) in base64 (with padding). */
export const base64OfText = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** The UTF-8 text of base64 `b64`. */
export const textOfBase64 = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");
