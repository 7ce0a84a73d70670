// The settle window (inbound/settle-window.ts): where a reader of the activity log starts each pass
// so that a row committed after a newer one was read is still read, and which rows it read before.
import { describe, expect, it } from "vitest";
import { SettleWindow } from "../src/inbound/index.js";

function clock() {
  let t = 1_000;
  return { now: () => t, step: (ms: number) => void (t += ms) };
}

describe("SettleWindow", () => {
  it("re-reads from the seed until a pass re-read rows older than the newest by settleMs", () => {
    const c = clock();
    const w = new SettleWindow(5_000, 100, c.now);
    w.seed({ id: "c0", at: 0 });
    expect(w.read({ id: "r1", at: 10_000, seq: 1 })).toBe("new");
    expect(w.read({ id: "r2", at: 10_100, seq: 2 })).toBe("new");
    expect(w.start()).toBe("c0");
    // A later row moves the newest on: r1 and r2 are now 5 s older than it. The pass that starts
    // now re-reads them (every row before them has committed by now), the one after closes them.
    expect(w.read({ id: "r3", at: 15_200, seq: 3 })).toBe("new");
    expect(w.start()).toBe("c0");
    expect(w.start()).toBe("r2");
    expect(w.has("r1")).toBe(false);
    expect(w.has("r2")).toBe(true); // the anchor: a pass reads strictly after it
    expect(w.has("r3")).toBe(true);
  });

  it("a row read again is seen; one that lands before a row read earlier is late", () => {
    const c = clock();
    const w = new SettleWindow(5_000, 100, c.now);
    w.seed({ id: "c0", at: 0 });
    w.read({ id: "b", at: 10_002, seq: 12 });
    expect(w.read({ id: "b", at: 10_002, seq: 12 })).toBe("seen");
    expect(w.read({ id: "a", at: 10_001, seq: 11 })).toBe("late");
    expect(w.lateRows).toBe(1);
    expect(w.lateMs).toBe(1);
    // Rows sharing a millisecond are ordered by seq.
    expect(w.read({ id: "a2", at: 10_001, seq: 13 })).toBe("late");
  });

  it("time passing on the monotonic clock closes rows while nothing newer arrives", () => {
    const c = clock();
    const w = new SettleWindow(5_000, 100, c.now);
    w.seed(undefined);
    w.read({ id: "r1", at: 10_000 });
    w.read({ id: "r2", at: 10_001 });
    expect(w.start()).toBe("r1"); // nothing closed: the first row read
    c.step(4_000);
    expect(w.start()).toBe("r1");
    c.step(1_001);
    expect(w.start()).toBe("r1"); // this pass re-reads them after they settled
    expect(w.start()).toBe("r2");
    expect(w.size).toBe(0);
  });

  it("holds at most maxRows: the oldest close first whatever their age", () => {
    const c = clock();
    const w = new SettleWindow(5_000, 3, c.now);
    w.seed({ id: "c0", at: 0 });
    for (let i = 1; i <= 5; i++) w.read({ id: `r${i}`, at: 10_000 + i });
    expect(w.start()).toBe("r2"); // beyond maxRows: closed at once
    expect(w.size).toBe(3);
    expect(w.size).toBe(3);
  });

  it("settleMs 0 closes what the previous pass read (a plain cursor, one pass behind)", () => {
    const c = clock();
    const w = new SettleWindow(0, 100, c.now);
    w.seed({ id: "c0", at: 0 });
    w.read({ id: "r1", at: 10_000 });
    w.read({ id: "r2", at: 10_001 });
    expect(w.start()).toBe("c0");
    expect(w.start()).toBe("r2");
  });
});
