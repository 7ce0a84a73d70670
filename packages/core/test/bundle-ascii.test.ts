// The bundle is ASCII (issue 114): V8 keeps each loaded module's source, one byte a character only
// when none of it is past Latin-1. One dash in an error message doubled a whole chunk, so the
// build writes other characters as escapes (rolldown.config.ts `charset`).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const dist = new URL("../dist/", import.meta.url);

/** Each bundled `.js` file under dist/ (the Node and the edge build) with its first non-ASCII text. */
function nonAscii(): string[] {
  const found: string[] = [];
  for (const file of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".js")) continue;
    const text = readFileSync(new URL(file, dist), "utf8");
    const at = text.search(/[\u0080-\uffff]/);
    if (at !== -1)
      found.push(`${file}: ${JSON.stringify(text.slice(Math.max(0, at - 30), at + 10))}`);
  }
  return found;
}

describe("the built bundle", () => {
  it("holds no character past ASCII, so V8 keeps its sources one byte a character", () => {
    expect(readdirSync(dist, { recursive: true }).length).toBeGreaterThan(50);
    expect(nonAscii()).toEqual([]);
  });
});
