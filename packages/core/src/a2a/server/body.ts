// Request-body safety: a byte-capped reader (node streams and web streams), a content-type check
// and an iterative JSON nesting-depth scan that runs before JSON.parse.
import type { IncomingMessage } from "node:http";
import { freeBytes, utf8Text } from "../../runtime/index.js";
import type { BodyHold } from "./body-budget.js";

/** Returned by the body readers when the body exceeds the byte cap. */
export const TOO_LARGE: unique symbol = Symbol("too-large");

/**
 * Reads a node request body as UTF-8 and calls `done` once: with the text, with {@link TOO_LARGE}
 * (the stream is paused past `max` bytes), or with `undefined` when the request failed or was aborted
 * (or its `hold` was released). Each chunk is taken from `hold` as it arrives, the stream paused
 * while it waits for room.
 * The bytes are held as they arrive (past the first chunk, copied into one buffer of the declared
 * length) and decoded once at the end into one flat string; each buffer is freed once copied (when
 * nobody else reads the body). So a large body is held at most twice, as bytes and as text, for
 * the instant it is decoded; never as many small strings, which V8 keeps in its young generation
 * (growing it) and copies again to parse them.
 */
export function readNodeBody(
  req: IncomingMessage,
  max: number,
  hold: BodyHold,
  done: (text: string | typeof TOO_LARGE | undefined) => void,
): void {
  const declared = Number(req.headers["content-length"]);
  /** The body's declared length, when it has one within `max`. */
  const length = Number.isSafeInteger(declared) && declared <= max ? declared : undefined;
  /** The chunks so far (until a second chunk of a body of declared length). */
  let chunks: Buffer[] = [];
  /** The body of declared length past its first chunk: the one buffer its chunks are copied into. */
  let whole: Buffer | undefined;
  /** Whether the chunks are ours to free once copied: nobody else reads the body. */
  let sole = false;
  let size = 0;
  /** A chunk's wait for room: the stream is paused until it ends. */
  let pending: Promise<boolean> | undefined;
  let finished = false;
  const finish = (value: string | typeof TOO_LARGE | undefined): void => {
    if (finished) return;
    finished = true;
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("close", onClose);
    chunks = [];
    whole = undefined;
    done(value);
  };
  const copied = (chunk: Buffer, at: number): void => {
    chunk.copy(whole!, at); // (Node's parser delivers no more than the declared length)
    if (sole) freeBytes(chunk);
  };
  const onData = (chunk: Buffer): void => {
    if (size + chunk.length > max) {
      req.pause();
      return finish(TOO_LARGE);
    }
    const room = hold.read(chunk.length);
    if (room === true) return keep(chunk);
    req.pause();
    pending = room.then((ok) => {
      pending = undefined;
      if (!ok) finish(undefined);
      if (finished) return false;
      keep(chunk);
      req.resume();
      return true;
    });
  };
  const keep = (chunk: Buffer): void => {
    const at = size;
    size += chunk.length;
    if (whole !== undefined) {
      copied(chunk, at);
    } else if (chunks.length === 1 && length !== undefined && size <= length) {
      sole = req.listenerCount("data") === 1;
      whole = Buffer.allocUnsafeSlow(length);
      copied(chunks[0]!, 0);
      copied(chunk, at);
      chunks = [];
    } else {
      chunks.push(chunk);
    }
  };
  const onEnd = (): void => {
    if (pending !== undefined) return void pending.then((ok) => ok && onEnd());
    let text: string;
    if (whole !== undefined) {
      text = whole.toString("utf8", 0, size);
      freeBytes(whole); // never held with the text's parse
    } else {
      text = utf8Text(chunks, size);
      if (chunks.length > 1 && req.listenerCount("data") === 1) chunks.forEach(freeBytes);
    }
    finish(text);
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

/**
 * Reads a web `ReadableStream` body as UTF-8, cancelling it past `max` bytes; each chunk is taken
 * from `hold` as it arrives (it rejects once `hold` is released while a chunk waits for room).
 */
export async function readWebBody(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  hold: BodyHold,
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
    const room = hold.read(value.byteLength);
    if (room !== true && !(await room)) {
      await reader.cancel().catch(() => undefined);
      throw new Error("The request went away while its body waited for room");
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
