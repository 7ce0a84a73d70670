// LineBudget: at most N per-message lines a second; the rest are counted and said once the
// second ends (on its timer, or at close), never dropped from the count.
import { afterEach, describe, expect, it, vi } from "vitest";
import { LineBudget } from "../src/events/line-budget.js";

afterEach(() => {
  vi.useRealTimers();
});

function budget(perSecond: number) {
  const said: number[] = [];
  return { said, b: new LineBudget(perSecond, (n) => void said.push(n)) };
}

describe("LineBudget", () => {
  it("allows perSecond lines in a second, counts the rest and says the count when the next second starts", () => {
    const { said, b } = budget(3);
    const taken = [0, 100, 200, 300, 400, 999].map((t) => b.take(1_000 + t));
    expect(taken).toEqual([true, true, true, false, false, false]);
    expect(said).toEqual([]);
    expect(b.take(2_000)).toBe(true); // a new second: the 3 not written are said first
    expect(said).toEqual([3]);
    b.close();
    expect(said).toEqual([3]); // nothing more to say
  });

  it("says the count on its timer when no message follows, and once only", () => {
    vi.useFakeTimers();
    const { said, b } = budget(1);
    expect(b.take(0)).toBe(true);
    expect(b.take(10)).toBe(false);
    expect(b.take(20)).toBe(false);
    vi.advanceTimersByTime(989);
    expect(said).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(said).toEqual([2]);
    b.close();
    vi.runAllTimers();
    expect(said).toEqual([2]);
  });

  it("close() says what is still counted and stops the timer", () => {
    vi.useFakeTimers();
    const { said, b } = budget(0);
    expect(b.take(0)).toBe(false);
    b.close();
    expect(said).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
