// What a request body costs while it is held (body-budget.ts; issue 112): a body of declared length
// takes its length before it is read and waits for room unread; one of unknown length takes what it
// has read, chunk by chunk, never the body limit; once parsed, its bytes stay taken until the
// answer (the handler holds the message). One connection's bodies hold at most its share, so its
// other bodies wait for its room, not everyone's; the oldest body being read is never held back, so
// bodies read in part cannot each wait for another's room. What is held is counted: at most the
// budget plus one body.
import { describe, expect, it } from "vitest";
import { BodyBudget, isWaitingForRoom, type BodyHold } from "../src/a2a/server/body-budget.js";

const KiB = 1024;

/** Resolves to what `room` settles to, or "waiting" when it has not settled by the next turn. */
async function settled(room: true | Promise<boolean>): Promise<boolean | "waiting"> {
  if (room === true) return true;
  return await Promise.race([
    room,
    new Promise<"waiting">((r) => setImmediate(() => r("waiting"))),
  ]);
}

describe("BodyBudget", () => {
  it("takes a body of unknown length as it is read, not the body limit, and holds it until the answer", () => {
    // The body limit (16 KiB) for each of 50 would be 800 KiB; 50 bodies of 300 bytes hold 15,000.
    const budget = new BodyBudget(64 * KiB, 16 * KiB);
    const holds: BodyHold[] = [];
    for (let i = 0; i < 50; i++) {
      const hold = budget.open({}, {}, undefined);
      expect(hold.start()).toBe(true);
      expect(hold.read(300)).toBe(true);
      hold.parsed();
      holds.push(hold);
    }
    expect(budget.held).toBe(50 * 300);
    for (const h of holds) h.release(); // answered
    expect(budget.held).toBe(0);
  });

  it("keeps a body of declared length unread until there is room, a request timeout not counting the wait", async () => {
    const budget = new BodyBudget(4 * KiB, 4 * KiB);
    const first = budget.open({}, {}, String(3 * KiB));
    expect(first.start()).toBe(true);
    const key = {};
    const second = budget.open(key, {}, String(2 * KiB));
    const room = second.start();
    expect(await settled(room)).toBe("waiting");
    expect(isWaitingForRoom(key)).toBe(true);
    expect(second.read(2 * KiB)).toBe(true); // its length was taken whole: reads take nothing more
    first.release();
    expect(await room).toBe(true);
    expect(isWaitingForRoom(key)).toBe(false);
    expect(budget.held).toBe(2 * KiB);
  });

  it("ends a wait for room with false once its request went away", async () => {
    const budget = new BodyBudget(4 * KiB, 4 * KiB);
    const first = budget.open({}, {}, String(4 * KiB));
    expect(first.start()).toBe(true);
    const second = budget.open({}, {}, undefined);
    const room = second.read(KiB);
    second.release();
    expect(await room).toBe(false);
    first.release();
    expect(budget.held).toBe(0);
  });

  it("holds one connection's bodies to its share: its other bodies wait, another connection's do not", async () => {
    const budget = new BodyBudget(64 * KiB, 8 * KiB);
    const flood = {};
    const held: BodyHold[] = [];
    const waits: Promise<boolean>[] = [];
    for (let i = 0; i < 3_000; i++) {
      const hold = budget.open({}, flood, undefined);
      held.push(hold);
      const room = hold.read(KiB);
      if (room !== true) waits.push(room);
    }
    expect(budget.held).toBe(8 * KiB); // its share
    expect(waits).toHaveLength(3_000 - 8);
    const caller = budget.open({}, {}, undefined);
    expect(caller.read(4 * KiB)).toBe(true);
    caller.release();
    // Answered calls of the connection make room for its waiting bodies, in order.
    held[0]!.release();
    expect(await waits[0]).toBe(true);
    expect(budget.held).toBe(8 * KiB);
    for (const h of held) h.release();
    expect(budget.held).toBe(0);
  });

  it("leaves the body read the longest room to finish: bodies read in part never wait for each other, and the budget holds", async () => {
    const budget = new BodyBudget(16 * KiB, 8 * KiB);
    // Four bodies of unknown length on four connections, 2 KiB read of each; the first may still
    // need 6 KiB of its body limit, which the others leave it.
    const [a, b, c, d] = Array.from({ length: 4 }, () => budget.open({}, {}, undefined));
    for (const h of [a, b, c, d]) expect(h!.read(2 * KiB)).toBe(true);
    const bMore = b!.read(4 * KiB);
    expect(await settled(bMore)).toBe("waiting");
    expect(a!.read(6 * KiB)).toBe(true);
    expect(budget.held).toBe(14 * KiB);
    a!.parsed(); // its handler holds its 8 KiB: b, now read the longest, waits for room
    expect(await settled(bMore)).toBe("waiting");
    a!.release(); // answered
    expect(await bMore).toBe(true);
    expect(budget.held).toBe(10 * KiB);
    for (const h of [a, b, c, d]) h!.release();
    expect(budget.held).toBe(0);
  });

  it("reads a body larger than the budget alone", async () => {
    const budget = new BodyBudget(4 * KiB, 8 * KiB);
    const small = budget.open({}, {}, String(KiB));
    expect(small.start()).toBe(true);
    const large = budget.open({}, {}, undefined);
    expect(large.read(2 * KiB)).toBe(true);
    small.release();
    expect(large.read(4 * KiB)).toBe(true); // past the budget: it is all that is held
    expect(budget.held).toBe(6 * KiB);
    large.release();
  });

  it("lets a connection's oldest body read on once it is the oldest, whichever of its bodies waited first", async () => {
    const budget = new BodyBudget(64 * KiB, 4 * KiB);
    const conn = {};
    const [x, a, b] = [0, 1, 2].map(() => budget.open({}, conn, undefined)) as [
      BodyHold,
      BodyHold,
      BodyHold,
    ];
    expect(x.read(2 * KiB)).toBe(true);
    expect(a.read(KiB)).toBe(true);
    expect(b.read(KiB)).toBe(true);
    const bMore = b.read(2 * KiB); // asks first
    const aMore = a.read(2 * KiB);
    expect(await settled(aMore)).toBe("waiting");
    x.release(); // refused: 2 KiB of the share back, and a is its oldest
    expect(await aMore).toBe(true);
    expect(await settled(bMore)).toBe("waiting");
    a.release();
    expect(await bMore).toBe(true);
    b.release();
    expect(budget.held).toBe(0);
  });

  it("gives room in order: a body the budget cannot take holds back the smaller ones after it", async () => {
    const budget = new BodyBudget(8 * KiB, 8 * KiB);
    const first = budget.open({}, {}, String(6 * KiB));
    expect(first.start()).toBe(true);
    const big = budget.open({}, {}, String(4 * KiB)).start();
    const small = budget.open({}, {}, String(KiB)).start();
    expect(await settled(small)).toBe("waiting");
    first.release();
    expect([await big, await small]).toEqual([true, true]);
    expect(budget.held).toBe(5 * KiB);
  });
});
