import { describe, expect, it } from "vitest";
import { makeIdempotencyKey } from "../src/index.js";

describe("makeIdempotencyKey", () => {
  it("matches the Python reference vectors", () => {
    const now = 1714600000.9 * 1000;
    expect(makeIdempotencyKey("hello", now)).toBe(
      "d6613bd39a97d368b8e50d69bf5283a7c0574a2ea87db986303fab6d4654df52",
    );
    expect(makeIdempotencyKey("héllo ✓", new Date(now))).toBe(
      "ee91fdc28244e607f28f5b56194be0de2fb83b78340ad7c5425f93b136633336",
    );
  });

  it("is stable within a minute and changes across minutes", () => {
    const base = 1714599960_000;
    expect(makeIdempotencyKey("t", base)).toBe(makeIdempotencyKey("t", base + 59_999));
    expect(makeIdempotencyKey("t", base)).not.toBe(makeIdempotencyKey("t", base + 60_000));
  });
});
