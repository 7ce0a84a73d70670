// parseJsonBytes: JSON parsed from its bytes with each long string decoded straight from them
// (issue 101: a large message is not held as its text and its parse at once). It must give what
// JSON.parse of the decoded text gives, for every text, and read nothing once it released the bytes.
import { describe, expect, it } from "vitest";
import { LONG_STRING, parseJsonBytes } from "../src/transport/json-bytes.js";

/** parseJsonBytes of `text`'s UTF-8, its bytes zeroed when released (so a late read shows). */
function parse(text: string): { value: unknown; released: number } {
  const bytes = new TextEncoder().encode(text);
  let released = 0;
  const value = parseJsonBytes(bytes, () => {
    released++;
    bytes.fill(0);
  });
  return { value, released };
}

const long = (c: string, extra = 1): string => c.repeat(LONG_STRING + extra);

describe("parseJsonBytes", () => {
  it("gives JSON.parse's value, long strings plain, escaped, multibyte, at the threshold, as keys", () => {
    const values: unknown[] = [
      { text: long("x") },
      { text: long("x", 0) }, // at the threshold: parsed as usual
      { text: `${long("a")}\n"quoted" \\ back\u0001slash\t${long("b")}` },
      { text: long("é漢\u{1F600}") },
      { [long("k")]: "a long key", short: "s" },
      [long("1"), "short", { deep: [{ deeper: long("2") }] }, 42, null, true],
      { a: long("x"), b: `${long("y")}"`, c: `"${long("z")}` },
      long("top-level string "),
      { jsonrpc: "2.0", params: { message: { parts: [{ kind: "text", text: long("m") }] } } },
    ];
    for (const v of values) {
      for (const text of [JSON.stringify(v), JSON.stringify(v, null, 2)]) {
        const out = parse(text);
        expect(out.value).toEqual(JSON.parse(text));
        expect(out.released).toBe(1);
      }
    }
  });

  it("refuses what JSON.parse refuses: a raw control character, an unclosed string, trailing bytes", () => {
    const texts = [
      `{"text":"${long("x")}\u0001"}`,
      `{"text":"${long("x")}\n"}`,
      `{"text":"${long("x")}`,
      `{"text":"${long("x")}"} x`,
      `{"text":"${long("x")}",}`,
    ];
    for (const text of texts) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => parse(text)).toThrow(SyntaxError);
    }
  });

  it("leaves a string shaped like a placeholder (without the process's random tag) as it is", () => {
    const lookalike = { text: long("x"), other: "\u0000deadbeef:0" };
    expect(parse(JSON.stringify(lookalike)).value).toEqual(lookalike);
  });
});
