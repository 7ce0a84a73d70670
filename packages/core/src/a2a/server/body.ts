// Request-body safety: a byte-capped reader (node streams and web streams), a content-type check
// and an iterative JSON nesting-depth scan that runs before JSON.parse.
import type { IncomingMessage } from "node:http";

/** Returned by the body readers when the body exceeds the byte cap. */
export const TOO_LARGE: unique symbol = Symbol("too-large");

/**
 * Bytes of a body held as its chunks before they are decoded as they arrive: a body refused past
 * a limit of this size or less (1 MiB by default) is dropped undecoded, and a small one decoded
 * once at its end; a larger one is never held as buffers and text at once.
 */
const HELD_UNDECODED = 1024 * 1024;

/**
 * Reads a node request body as UTF-8 and calls `done` once: with the text, with {@link TOO_LARGE}
 * (the stream is paused past `max` bytes), or with `undefined` when the request failed or was aborted.
 * Past {@link HELD_UNDECODED} each chunk is decoded as it arrives and dropped: a large body is never
 * held as buffers and text at once.
 */
export function readNodeBody(
  req: IncomingMessage,
  max: number,
  done: (text: string | typeof TOO_LARGE | undefined) => void,
): void {
  // A body up to HELD_UNDECODED (most: one chunk) is decoded at its end; past it, chunk by chunk.
  let first: Buffer | undefined;
  /** The chunks of a body not yet past {@link HELD_UNDECODED}, undecoded. */
  let held: Buffer[] | undefined;
  let decoder: TextDecoder | undefined;
  let text = "";
  let size = 0;
  const finish = (value: string | typeof TOO_LARGE | undefined): void => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("close", onClose);
    first = decoder = held = undefined;
    text = "";
    done(value);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > max) {
      req.pause();
      finish(TOO_LARGE);
    } else if (first === undefined && decoder === undefined) {
      first = chunk;
    } else if (decoder === undefined && size <= HELD_UNDECODED) {
      (held ??= [first!]).push(chunk);
    } else {
      if (decoder === undefined) {
        if (held !== undefined) first = Buffer.concat(held);
        held = undefined;
        decoder = new TextDecoder();
        text = decoder.decode(first, { stream: true });
        first = undefined;
      }
      text += decoder.decode(chunk, { stream: true });
    }
  };
  const onEnd = (): void => {
    if (decoder !== undefined) finish(text + decoder.decode());
    else if (held !== undefined) finish(Buffer.concat(held, size).toString("utf8"));
    else finish(first === undefined ? "" : first.toString("utf8"));
  };
  const onError = (): void => finish(undefined);
  const onClose = (): void => {
    if (!req.complete) finish(undefined);
  };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onError);
  req.on("close", onClose);
}

/** Reads a web `ReadableStream` body as UTF-8, cancelling it past `max` bytes. */
export async function readWebBody(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<string | typeof TOO_LARGE> {
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  if (chunks.length === 1)
    return Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, size).toString("utf8");
  return Buffer.concat(chunks, size).toString("utf8");
}

/** True for `application/json` (any parameters) and `application/*+json`. */
export function isJsonContentType(value: string | null | undefined): boolean {
  if (!value) return false;
  const semi = value.indexOf(";");
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * True when the JSON text nests arrays/objects deeper than `max`. Iterative (no recursion) and
 * skips string contents with `indexOf`, so it is cheap even for large text payloads.
 */
export function exceedsJsonDepth(text: string, max: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Jump to the closing quote, skipping escaped ones.
      let j = text.indexOf('"', i + 1);
      while (j !== -1) {
        let backslashes = 0;
        for (let k = j - 1; text.charCodeAt(k) === 92; k--) backslashes++;
        if ((backslashes & 1) === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j === -1) return false; // unterminated string: JSON.parse reports it
      i = j;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

/** True when an already-parsed value nests deeper than `max` (iterative walk). */
export function exceedsValueDepth(value: unknown, max: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, d + 1]);
    }
  }
  return false;
}
