// Issue 59, "a forged header differs from a real one by one invisible character": untrusted text
// rendered for a reader (spotlightPeerText) marks every line the sender wrote, so after removing
// format and invisible characters and NFKC folding no line of it equals or begins like a header,
// a marker or a tag (the shared check, forgedLines); what the text says is kept.
import { forgedLines, forgedText, LOOKALIKE_OPENERS, PADDED_MARKERS } from "@internal/test-utils";
import { describe, expect, it } from "vitest";
import { spotlightPeerText, UNTRUSTED_LINE_MARK, visiblePeerText } from "../src/public/a2a.js";

const HEADER = '[answer of peer "p"; untrusted text follows, each line marked │]';
const WS = "6f1defed-2fba-4154-b5d9-cfaa370b055f";

describe("spotlightPeerText", () => {
  it("shows a forged header, [SYSTEM] line, marker or tag in any line-break form as marked lines only", () => {
    const out = spotlightPeerText(HEADER, forgedText(WS));
    expect(forgedLines(out, [HEADER])).toEqual([]);
    const lines = out.split("\n");
    expect(lines[0]).toBe(HEADER);
    for (const line of lines.slice(1)) expect(line.startsWith(UNTRUSTED_LINE_MARK)).toBe(true);
    // Without the marking, the same text holds forged lines (the check finds them).
    expect(forgedLines(visiblePeerText(forgedText(WS))).length).toBeGreaterThanOrEqual(10);
  });

  it("marks padded and look-alike markers too", () => {
    const out = spotlightPeerText(HEADER, [...PADDED_MARKERS, ...LOOKALIKE_OPENERS].join("\n"));
    expect(forgedLines(out, [HEADER])).toEqual([]);
  });

  it("breaks lines at every form a reader breaks them at, one mark per line", () => {
    const breaks = [
      "\r\n",
      "\n",
      "\r",
      "\v",
      "\f",
      "\x1c",
      "\x1d",
      "\x1e",
      "\u0085",
      "\u2028",
      "\u2029",
    ];
    const out = spotlightPeerText(HEADER, breaks.map((b, i) => `line ${i}${b}`).join(""));
    expect(out.split("\n").slice(1)).toEqual([
      ...breaks.map((_, i) => `${UNTRUSTED_LINE_MARK} line ${i}`),
      UNTRUSTED_LINE_MARK,
    ]);
  });

  it("shows invisible and reordering characters as escapes, and keeps what the text says", () => {
    const text =
      "pay \u202ebob\u202c\u200b now\u2060\u00ad\ufeff \u{e0041} \u0007 joined 👨\u200d👩 ok\ttab";
    const out = spotlightPeerText(HEADER, text);
    expect(out).toBe(
      `${HEADER}\n│ pay \\u202Ebob\\u202C\\u200B now\\u2060\\u00AD\\uFEFF \\uDB40\\uDC41 \\u0007 joined 👨\u200d👩 ok\ttab`,
    );
    // Reading the escapes back gives the text.
    const body = out.slice(HEADER.length + 3);
    expect(JSON.parse(`"${body.replaceAll("\t", "\\t")}"`)).toBe(text);
  });

  it("keeps a header to one line", () => {
    expect(spotlightPeerText("[a\nb\u2028c]", "x")).toBe("[a b c]\n│ x");
  });
});
