// readNodeBody (the push server's body reader; issue 101): a body's bytes are held as they arrive
// and decoded once, each buffer Node hands over freed (detached) as soon as it is copied, so a large
// body is not held as its chunks, its bytes and its text at once. A chunk another reader of the
// request also got is left alone. The request here is a stand-in emitting chunks of its own.
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { readNodeBody, TOO_LARGE } from "../src/a2a/server/body.js";

/** `text`'s UTF-8 in chunks of `size` bytes, each in memory of its own (as Node's server gives them). */
function chunksOf(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const piece = bytes.subarray(i, i + size);
    const own = Buffer.allocUnsafeSlow(piece.length);
    piece.copy(own);
    out.push(own);
  }
  return out;
}

/** Feeds `chunks` to readNodeBody through a stand-in request (declared length or chunked). */
function read(
  chunks: Buffer[],
  opts: { declared: boolean; max?: number; alsoRead?: (chunk: Buffer) => void },
): string | typeof TOO_LARGE | undefined {
  const size = chunks.reduce((n, c) => n + c.length, 0);
  const req = Object.assign(new EventEmitter(), {
    headers: opts.declared ? { "content-length": String(size) } : {},
    complete: false,
    pause: () => undefined,
  });
  if (opts.alsoRead) req.on("data", opts.alsoRead);
  const done: { result?: string | typeof TOO_LARGE | undefined } = {};
  const room = {
    start: () => true as const,
    read: () => true as const,
    parsed: () => undefined,
    release: () => undefined,
  };
  readNodeBody(req as unknown as IncomingMessage, opts.max ?? 64 * 1024 * 1024, room, (r) => {
    done.result = r;
  });
  for (const c of chunks) {
    if ("result" in done) break;
    req.emit("data", c);
  }
  req.complete = true;
  req.emit("end");
  return done.result;
}

const TEXT = JSON.stringify({ text: "é漢\u{1F600}x\n".repeat(300_000) }); // about 3 MiB

describe("readNodeBody", () => {
  it("decodes the body whole, characters split across chunks included, declared or chunked", () => {
    for (const size of [1000, 65_536, 65_537]) {
      for (const declared of [true, false]) {
        expect(read(chunksOf(TEXT, size), { declared })).toBe(TEXT);
      }
    }
    expect(read([], { declared: false })).toBe("");
    expect(read(chunksOf("{}", 10), { declared: true })).toBe("{}");
  });

  it("frees each chunk it alone read once it is copied or decoded", () => {
    for (const declared of [true, false]) {
      const chunks = chunksOf(TEXT, 65_536);
      expect(read(chunks, { declared })).toBe(TEXT);
      expect(chunks.map((c) => c.length)).toEqual(chunks.map(() => 0));
    }
  });

  it("leaves a chunk another reader of the request got as it was", () => {
    for (const declared of [true, false]) {
      const chunks = chunksOf(TEXT, 65_536);
      const seen: Buffer[] = [];
      expect(read(chunks, { declared, alsoRead: (c) => seen.push(c) })).toBe(TEXT);
      expect(Buffer.concat(seen).toString("utf8")).toBe(TEXT);
    }
  });

  it("stops past the limit", () => {
    expect(read(chunksOf(TEXT, 65_536), { declared: false, max: 1024 * 1024 })).toBe(TOO_LARGE);
  });
});
