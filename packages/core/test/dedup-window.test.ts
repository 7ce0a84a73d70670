// The de-duplication window: BoundedSet's eviction order against a plain model, and Admission.once
// answering resends only while their message is in the window (long keys too).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/index.js";
import { BoundedSet } from "../src/inbound/index.js";
import { MAX_ID_LENGTH } from "../src/a2a/index.js";
import { AgentStateStore } from "../src/store/index.js";
import { Admission, type PushAnswer } from "../src/agent/admit/admission.js";
import type { Answers } from "../src/agent/answer/answers.js";

/** The window as a plain array: oldest first, a re-added id moves to the end. */
function model(max: number) {
  const items: string[] = [];
  return {
    items,
    add(id: string): string | undefined {
      const i = items.indexOf(id);
      if (i >= 0) items.splice(i, 1);
      items.push(id);
      return items.length > max ? items.shift() : undefined;
    },
  };
}

/** A small deterministic generator (the same sequence on every run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe("BoundedSet", () => {
  it("evicts exactly as the model does, returns the evicted id, and never runs dry", () => {
    const random = lcg(7);
    for (let trial = 0; trial < 50; trial++) {
      const max = 1 + Math.floor(random() * 12);
      const set = new BoundedSet(max);
      const ref = model(max);
      // Many more adds than the window, with re-adds: evictions, refreshes, and the Set's own
      // compactions of deleted entries all happen.
      for (let i = 0; i < 3_000; i++) {
        const id = `id-${Math.floor(random() * 3 * max)}`;
        expect(set.add(id)).toBe(ref.add(id));
      }
      expect(set.toArray()).toEqual(ref.items);
      for (const id of ref.items) expect(set.has(id)).toBe(true);
    }
  });

  it("holds its memory when a full window sees the same ids again and again (a resend flood)", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const set = new BoundedSet(1_000);
    for (let i = 0; i <= 1_000; i++) set.add(`id-${i}`); // full, and one eviction made
    gc();
    const before = process.memoryUsage().heapUsed;
    // Re-adds evict nothing: an iterator kept idle meanwhile held each table the Set outgrew
    // (59 MiB after a million of them).
    for (let i = 0; i < 1_000_000; i++) set.add(`id-${1 + (i % 1_000)}`);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 2 ** 20);
    expect(set.add("new")).toBe("id-1"); // the oldest still goes first
    expect(set.size).toBe(1_000);
  });
});

function admission(window: number): Admission {
  const state = new AgentStateStore(undefined);
  const answers = {} as Answers; // no dead letters in these tests
  return new Admission(memoryStore(), "ws-1", state, answers, {}, window);
}

describe("Admission.once", () => {
  it("answers a resend from memory while its message is in the window, and runs it again after", async () => {
    const adm = admission(2);
    const runs: string[] = [];
    const run = (key: string, answer: PushAnswer) => () => {
      runs.push(key);
      return Promise.resolve(answer);
    };
    // A key over MAX_ID_LENGTH is kept as its hash: its answer is found all the same.
    const long = `\n${"m".repeat(MAX_ID_LENGTH)}\ncontent`;
    expect(await adm.once(long, run(long, "a-long"))).toBe("a-long");
    expect(await adm.once(long, run(long, "again"))).toBe("a-long");
    expect(await adm.once("k2", run("k2", undefined))).toBeUndefined(); // settled, no answer
    expect(await adm.once("k2", run("k2", "again"))).toBeUndefined();
    expect(await adm.once("k3", run("k3", "a3"))).toBe("a3"); // the long key leaves the window
    expect(await adm.once(long, run(long, "a-long-2"))).toBe("a-long-2");
    expect(await adm.once("k3", run("k3", "again"))).toBe("a3");
    expect(runs).toEqual([long, "k2", "k3", long]);
  });
});
