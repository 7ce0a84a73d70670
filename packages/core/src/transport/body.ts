// Reading a response body into memory with a size cap (platform and peer answers alike), and
// parsing it as JSON when it looks like JSON.
import { utf8Text } from "../runtime/index.js";
import { MoleculeError } from "./errors.js";

/**
 * Default cap of a platform response body read into memory: 64 MiB. The platform's own caps are
 * lower (peer results are truncated at 10 MiB, activity pages hold at most 500 rows), so only a
 * broken or hostile server reaches it.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Raised by {@link readBodyText} when a body exceeds its cap (the stream is destroyed); callers
 * turn it into the error of their call (`response_too_large`, `peer_response_too_large`).
 */
export class BodyTooLargeError extends MoleculeError {
  /** The cap that was exceeded, in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(
      `response body exceeds ${limit} bytes; it was not read (raise the size limit if expected)`,
      {
        code: "response_too_large",
      },
    );
    this.limit = limit;
  }
}

/**
 * Reads a response body as UTF-8 text, at most `max` bytes: a larger declared `Content-Length`
 * fails before reading, and a body that grows past `max` while streaming is destroyed. Either
 * way it throws {@link BodyTooLargeError}, so a peer or server cannot exhaust memory.
 */
export async function readBodyText(
  body: AsyncIterable<unknown> & {
    destroy?(err?: Error): unknown;
    on?(ev: string, fn: () => void): unknown;
  },
  max: number,
  contentLength?: string | string[] | undefined,
): Promise<string> {
  const drop = (): void => {
    body.on?.("error", () => undefined);
    body.destroy?.();
  };
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (Number.isFinite(declared) && declared > max) {
    drop();
    throw new BodyTooLargeError(max);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Uint8Array;
    size += b.length;
    if (size > max) {
      drop();
      throw new BodyTooLargeError(max);
    }
    chunks.push(b);
  }
  return utf8Text(chunks, size);
}

/** Parses a body as JSON when it starts like JSON, else keeps the text; `undefined` when empty. */
export function parseBody(text: string): unknown {
  if (text === "") return undefined;
  const c = text.charCodeAt(0);
  // '{', '[', '"', digits, t/f/n: try JSON; anything else is text.
  if (
    c === 123 ||
    c === 91 ||
    c === 34 ||
    (c >= 48 && c <= 57) ||
    c === 116 ||
    c === 102 ||
    c === 110
  ) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
