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
  return Buffer.concat(chunks, size).toString("utf8");
}

/** `text` (UTF-8) in base64 (with padding). */
export const base64OfText = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** The UTF-8 text of base64 `b64`. */
export const textOfBase64 = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");
