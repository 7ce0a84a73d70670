// The edge build's runtime (src/runtime/*.web.ts: Web Crypto, @noble/hashes, TextEncoder, atob)
// gives the same bytes as the Node build's (node:crypto, Buffer) for everything persisted or sent:
// derived ids, content fingerprints, dedup keys, idempotency keys, path secrets, memory encodings.
// Instances of both kinds may share one workspace, so a difference would split a conversation or
// answer a resend twice.
import { describe, expect, it } from "vitest";
import * as nodeBytes from "../src/runtime/bytes.js";
import * as webBytes from "../src/runtime/bytes.web.js";
import * as nodeCrypto from "../src/runtime/crypto.js";
import * as webCrypto from "../src/runtime/crypto.web.js";
import * as nodeEvents from "../src/runtime/events.js";
import * as webEvents from "../src/runtime/events.web.js";
import * as nodeStream from "../src/runtime/stream.js";
import * as webStream from "../src/runtime/stream.web.js";

const texts = [
  "",
  "abc",
  "molecule-context\u0000msg-1",
  "héllo wörld ✓ 🙂 \u{10FFFF}",
  "x".repeat(1000),
  JSON.stringify([null, "task-1", [{ kind: "text", text: "hi" }]]),
  "\uD800 lone surrogate",
];

describe("runtime parity: the edge build's crypto gives the Node build's bytes", () => {
  it("SHA-256 hex matches node:crypto and the published vector", () => {
    expect(webCrypto.sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    for (const t of texts) expect(webCrypto.sha256Hex(t)).toBe(nodeCrypto.sha256Hex(t));
  });

  it("SHA-256 base64url matches node:crypto", () => {
    for (const t of texts) expect(webCrypto.sha256Base64url(t)).toBe(nodeCrypto.sha256Base64url(t));
  });

  it("HMAC-SHA256 base64url matches node:crypto and RFC 4231 case 2", () => {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(
      Buffer.from(
        webCrypto.hmacSha256Base64url("Jefe", "what do ya want for nothing?"),
        "base64url",
      ).toString("hex"),
    ).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    for (const key of ["", "k", "a stable key ✓", "x".repeat(200)]) {
      for (const t of texts) {
        expect(webCrypto.hmacSha256Base64url(key, t)).toBe(nodeCrypto.hmacSha256Base64url(key, t));
      }
    }
  });

  it("random values have the Node build's shape, and UUIDs are v4", () => {
    expect(webCrypto.randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(webCrypto.randomBase64url(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(nodeCrypto.randomBase64url(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(webCrypto.randomUUID()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(webCrypto.randomHex(8)).not.toBe(webCrypto.randomHex(8));
  });

  it("constant-time equality agrees with node:crypto, and refuses other lengths like it", () => {
    const a = new TextEncoder().encode("secret-secret");
    const b = new TextEncoder().encode("secret-secreT");
    expect(webCrypto.timingSafeEqual(a, a.slice())).toBe(nodeCrypto.timingSafeEqual(a, a.slice()));
    expect(webCrypto.timingSafeEqual(a, b)).toBe(false);
    expect(nodeCrypto.timingSafeEqual(a, b)).toBe(false);
    expect(() => webCrypto.timingSafeEqual(a, a.subarray(1))).toThrow(RangeError);
    expect(() => nodeCrypto.timingSafeEqual(a, a.subarray(1))).toThrow(RangeError);
  });
});

describe("runtime parity: the edge build's bytes give the Node build's text", () => {
  it("UTF-8 lengths, encodings and decodings match Buffer's", () => {
    for (const t of texts) {
      expect(webBytes.utf8Length(t)).toBe(nodeBytes.utf8Length(t));
      expect([...webBytes.utf8Bytes(t)]).toEqual([...nodeBytes.utf8Bytes(t)]);
      const bytes = nodeBytes.utf8Bytes(t);
      // Split inside a multi-byte character: both decode the whole, not the halves.
      const cut = Math.floor(bytes.length / 2) + 1;
      const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
      expect(webBytes.utf8Text(chunks, bytes.length)).toBe(
        nodeBytes.utf8Text(chunks, bytes.length),
      );
      expect(webBytes.utf8Text(chunks)).toBe(nodeBytes.utf8Text(chunks));
      expect(webBytes.utf8Text([bytes])).toBe(nodeBytes.utf8Text([bytes]));
    }
  });

  it("a clipped UTF-8 prefix decodes the same (a cut character becomes U+FFFD in both)", () => {
    const bytes = nodeBytes.utf8Bytes("ab🙂cd");
    for (let n = 0; n <= bytes.length; n++) {
      expect(webBytes.utf8Text([bytes.subarray(0, n)])).toBe(
        nodeBytes.utf8Text([bytes.subarray(0, n)]),
      );
    }
  });

  it("base64 of text and back matches Buffer's (including text over 32 KiB)", () => {
    for (const t of [...texts, "é".repeat(40_000)]) {
      const b64 = nodeBytes.base64OfText(t);
      expect(webBytes.base64OfText(t)).toBe(b64);
      expect(webBytes.textOfBase64(b64)).toBe(nodeBytes.textOfBase64(b64));
    }
  });
});

/** What an answer's `.stream()` reader sees (adapters/turn-handler.ts) with either PassThrough. */
async function readAll(out: AsyncIterable<unknown>): Promise<{ read: unknown[]; error?: string }> {
  const read: unknown[] = [];
  try {
    for await (const chunk of out) read.push(chunk);
    return { read };
  } catch (e) {
    return { read, error: (e as Error).message };
  }
}

describe("runtime parity: the edge build's object-mode PassThrough and emitter behave as Node's", () => {
  const kinds = [
    ["node", () => nodeStream.objectPassThrough()],
    ["web", () => webStream.objectPassThrough()],
  ] as const;

  it.each(kinds)("%s: what is written is read in order, then the end", async (_kind, make) => {
    const out = make();
    out.write("a");
    out.write("b");
    out.end();
    expect(await readAll(out as AsyncIterable<unknown>)).toEqual({ read: ["a", "b"] });
  });

  it.each(kinds)("%s: destroy(error) fails the reader and closes", async (_kind, make) => {
    const out = make();
    let closed = false;
    out.on("close", () => void (closed = true));
    const reading = readAll(out as AsyncIterable<unknown>);
    out.write("a");
    out.destroy(new Error("the model failed"));
    const result = await reading;
    expect(result.error).toBe("the model failed");
    expect(closed).toBe(true);
    expect(out.destroyed).toBe(true);
  });

  it.each(kinds)(
    "%s: a reader that stops early closes it (the turn is aborted)",
    async (_kind, make) => {
      const out = make();
      const closed = new Promise<void>((resolve) => out.on("close", () => resolve()));
      out.write("a");
      out.write("b");
      const reader = (out as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      expect((await reader.next()).value).toBe("a");
      await reader.return?.(); // what `break` in a for-await loop does
      await closed;
      expect(out.destroyed).toBe(true);
    },
  );

  it("the emitter's once, off and emit match Node's", () => {
    for (const Emitter of [nodeEvents.EventEmitter, webEvents.EventEmitter]) {
      const e = new Emitter();
      const seen: string[] = [];
      const once = (): void => void seen.push("once");
      const on = (): void => void seen.push("on");
      e.once("abort", once);
      e.on("abort", on);
      expect(e.emit("abort")).toBe(true);
      e.emit("abort");
      e.off("abort", on);
      e.once("abort", once);
      e.off("abort", once); // removes a once listener by the function given
      expect(e.emit("abort")).toBe(false);
      expect(seen).toEqual(["once", "on", "on"]);
    }
  });
});
