// SseLongLines: a line of an event stream past `keep` bytes is given to the parser up to there and
// the rest dropped as it arrives, its line end kept; shorter lines pass as they are, whatever the
// chunks' cuts.
import { describe, expect, it } from "vitest";
import { SseLongLines } from "../src/platform/index.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What `lines` gives the parser of `chunks`, decoded, and how many lines it cut. */
function run(keep: number, chunks: string[]) {
  let cuts = 0;
  const lines = new SseLongLines(keep, () => cuts++);
  const out = chunks.map((c) => dec.decode(lines.kept(enc.encode(c)))).join("");
  return { out, cuts, line: lines.line };
}

describe("SseLongLines.kept", () => {
  it("passes lines within the bound as they are, across chunks", () => {
    expect(run(8, ["data: a\n", "\nda", "ta: b\r\n\n"])).toEqual({
      out: "data: a\n\ndata: b\r\n\n",
      cuts: 0,
      line: 0,
    });
  });

  it("cuts a longer line at the bound, drops the rest to its end, and keeps the end", () => {
    expect(run(8, ["data: 0123456789\n\ndata: ok\n\n"])).toEqual({
      out: "data: 01\n\ndata: ok\n\n",
      cuts: 1,
      line: 0,
    });
  });

  it("cuts a line that arrives in many chunks once, counting every byte of it", () => {
    const r = run(8, ["data: 01", "23456789", "abcdef", "gh\n", "\n"]);
    expect(r).toEqual({ out: "data: 01\n\n", cuts: 1, line: 0 });
    // Said at the line's end: not yet while it goes on.
    const open = run(8, ["data: 01", "23456789", "abcdef"]);
    expect(open).toEqual({ out: "data: 01", cuts: 0, line: 22 });
  });

  it("cuts each long line of one chunk", () => {
    expect(run(4, ["aaaaaa\nbb\ncccccc\n"])).toEqual({
      out: "aaaa\nbb\ncccc\n",
      cuts: 2,
      line: 0,
    });
  });
});
