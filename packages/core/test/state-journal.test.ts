// The journal lines of the file store: a save's line, applied to the previous state, gives the
// saved state exactly, whatever the lists did (windows sliding, entries removed anywhere, moved,
// replaced), and a torn or corrupted journal is told apart.
import { describe, expect, it } from "vitest";
import { BoundedSet, droppedSince } from "../src/inbound/index.js";
import { applyRecord, diffState, readJournal } from "../src/store/state-journal.js";

/** A deterministic pseudo-random generator (tests must not depend on luck). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/** `state` after one line: serialised and parsed, as the journal stores it. */
function replay(state: Record<string, unknown>, next: Record<string, unknown>) {
  const copy = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
  const rec = diffState(state, next);
  if (rec !== undefined) applyRecord(copy, JSON.parse(JSON.stringify(rec)));
  return { copy, rec };
}

describe("state journal lines", () => {
  it("a sliding window is written as the ids dropped and added, not the whole window", () => {
    const window = Array.from({ length: 1000 }, (_, i) => `act-${i}`);
    const next = [...window.slice(2), "act-1000", "act-1001"];
    const { copy, rec } = replay(
      { cursor: "act-999", seenActivityIds: window },
      {
        cursor: "act-1001",
        seenActivityIds: next,
      },
    );
    expect(copy).toEqual({ cursor: "act-1001", seenActivityIds: next });
    expect(rec).toEqual({
      s: { cursor: "act-1001" },
      l: { seenActivityIds: [[[0, 2]], ["act-1000", "act-1001"]] },
    });
    expect(JSON.stringify(rec).length).toBeLessThan(100);
  });

  it("nothing changed: no line; a field removed: named", () => {
    const ids = ["a", "b"];
    expect(
      diffState({ cursor: "a", seenActivityIds: ids }, { cursor: "a", seenActivityIds: [...ids] }),
    ).toBeUndefined();
    expect(replay({ cursor: "a", cursorAt: "t" }, { cursor: "a" }).rec).toEqual({
      d: ["cursorAt"],
    });
  });

  it("random list edits of every kind replay exactly (2,000 saves)", () => {
    const random = rng(7);
    const items = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}` }));
    let state: Record<string, unknown> = { seenMessageIds: [], outbox: [], inFlight: [] };
    let n = 0;
    for (let save = 0; save < 2000; save++) {
      const next: Record<string, unknown> = { ...state };
      for (const key of ["seenMessageIds", "outbox", "inFlight"]) {
        let list = [...(state[key] as unknown[])];
        const op = Math.floor(random() * 6);
        if (op === 0) list.push(key === "seenMessageIds" ? `m${n++}` : { id: `o${n++}` });
        if (op === 1 && list.length > 0) list.splice(Math.floor(random() * list.length), 1);
        if (op === 2 && list.length > 1)
          list.push(list.splice(Math.floor(random() * list.length), 1)[0]);
        if (op === 3) list = list.slice(Math.floor(random() * 3));
        if (op === 4) list.splice(Math.floor(random() * (list.length + 1)), 0, items[n++ % 50]);
        if (op === 5 && random() < 0.1) list = [];
        next[key] = list;
      }
      if (random() < 0.2) next["cursor"] = `c${save}`;
      if (random() < 0.1) delete next["cursor"];
      const { copy } = replay(state, next);
      expect(copy).toEqual(JSON.parse(JSON.stringify(next)));
      state = next;
    }
  });

  it("a de-duplication window's arrays are diffed without a walk, and replay exactly (2,000 saves)", () => {
    const random = rng(11);
    const window = new BoundedSet(50);
    let state: Record<string, unknown> = { seenMessageIds: window.toArray() };
    let n = 0;
    let known = 0;
    for (let save = 0; save < 2000; save++) {
      // New ids (evicting the oldest), now and then one seen again (moved to the end), some saves
      // skipped (two changes in one line), the array asked for twice (one step kept, not two).
      const adds = Math.floor(random() * 4);
      for (let i = 0; i < adds; i++) window.add(`m${n++}`);
      if (random() < 0.1) window.add(`m${Math.max(0, n - 1 - Math.floor(random() * 40))}`);
      if (random() < 0.3) continue;
      if (random() < 0.05) window.toArray();
      const next = { seenMessageIds: window.toArray() };
      if (droppedSince(next.seenMessageIds, state["seenMessageIds"] as unknown[]) !== undefined)
        known++;
      const { copy } = replay(state, next);
      expect(copy).toEqual({ seenMessageIds: [...next.seenMessageIds] });
      state = next;
    }
    expect(known).toBeGreaterThan(800); // most saves took the window's own account (954)
  });

  it("a torn last line is left out; a corrupted line before the end is refused", () => {
    const ok = `${JSON.stringify({ s: { cursor: "a" } })}\n${JSON.stringify({ s: { cursor: "b" } })}\n`;
    expect(readJournal(ok)).toHaveLength(2);
    expect(readJournal(`${ok}{"s":{"cur`)).toHaveLength(2);
    expect(readJournal(`${ok}{"s":{"cur\n`)).toHaveLength(2);
    expect(() => readJournal(`{"s":{"cur\n${ok}`)).toThrow(/line 1 is not valid JSON/);
    expect(() =>
      applyRecord({ seenActivityIds: ["a"] }, { l: { seenActivityIds: [[[0, 2]], []] } }),
    ).toThrow(/removes items the list does not have/);
  });
});
