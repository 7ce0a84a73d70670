// bytes.ts for the edge build (`dist/edge/`): TextEncoder, TextDecoder, atob and btoa; no Buffer.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8Bytes = (text: string): Uint8Array => encoder.encode(text);

/** `bytes` itself: no Buffer here (readers decode chunks with TextDecoder or utf8Text). */
export const chunkOf = (bytes: Uint8Array): Uint8Array => bytes;

export const utf8Length = (text: string): number => encoder.encode(text).length;

export function utf8Text(chunks: readonly Uint8Array[], size?: number): string {
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  return decoder.decode(joinBytes(chunks, size ?? chunks.reduce((n, c) => n + c.length, 0)));
}

export function joinBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** Leaves `bytes` to the collector (the edge runtimes hold them as they choose). */
export function freeBytes(_bytes: Uint8Array): void {}

export function base64OfText(text: string): string {
  const bytes = encoder.encode(text);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function textOfBase64(b64: string): string {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return decoder.decode(bytes);
}
