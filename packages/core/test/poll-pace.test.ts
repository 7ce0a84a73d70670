// The rate class each poll read waits in (see poll-pace.ts): under a spent budget, a read while the
// agent's own calls await answers waits with new calls for at most 20 s, then goes before them (it
// brings answers: every answer logged meanwhile, in one read); a read an event woke waits with new
// calls for at most 30 s, then goes before them (it reads questions callers await answers to); the settle
// window's re-read waits with new calls; the timed safety-net read, while the event stream is up,
// waits for a quiet moment.
import { afterEach, describe, expect, it, vi } from "vitest";
import { MoleculeRateLimitError } from "../src/index.js";
import {
  COLLECT_BEFORE_DUE_S,
  COLLECT_EVERY_S,
  PollPace,
  READ_GATHER_S,
  ROWS_PER_READ,
  COLLECT_WITHIN_S,
  WOKEN_READ_WAIT_S,
} from "../src/agent/source/poll-pace.js";
import { rateClassOf } from "../src/transport/rate-class.js";
import { RateBucket } from "../src/transport/rate-budget.js";

function pace(o: { connected?: boolean; settlingMs?: number } = {}): PollPace {
  return new PollPace(
    5_000,
    () => o.connected ?? true,
    () => o.settlingMs,
    () => false,
    new AbortController().signal,
  );
}

afterEach(() => void vi.useRealTimers());

/** A pace whose event stream is down: a read may bring answers its events did not. */
const stale = { connected: false };

describe("PollPace.signalOf", () => {
  it("a read while the agent's own calls await answers waits with new calls for 20 s, then brings answers (class read)", () => {
    // 4da7b868: class read at once. In issue 100's shape (20 agents, 10 questions each to a
    // neighbour, 120/min) that read each answer as it came: 41-53 reads in the 120 s after the
    // burst; gathering, 23-28, and more questions answered in time with the turns they left.
    const gather = {
      priority: "request",
      promotion: { afterS: READ_GATHER_S, to: "read" },
    };
    expect(rateClassOf(pace(stale).signalOf(false, true))).toEqual(gather);
    expect(rateClassOf(pace(stale).signalOf(true, true))).toEqual(gather);
    // Less than a read's 25 s for its turn: one refused unsent never gathers again from the start.
    expect(READ_GATHER_S).toBe(20);
  });

  it("a read that brings answers goes before the answers to send 20 s before the first awaiting call's deadline (class collect)", () => {
    // On the real server, 50-59 answers were logged in an asker's inbox within its calls' 120 s, and
    // 24-37 reached them: the read after its last one waited behind replies until past the deadline.
    vi.useFakeTimers({ toFake: ["performance"] });
    const now = performance.now();
    const far = rateClassOf(pace(stale).signalOf(true, true, now + 120_000));
    expect(far?.priority).toBe("request");
    expect(far?.promotion).toEqual({
      afterS: READ_GATHER_S,
      to: "read",
      next: { afterS: 120 - COLLECT_BEFORE_DUE_S - READ_GATHER_S, to: "collect" },
    });
    const p = pace(stale);
    expect(rateClassOf(p.signalOf(false, true, now + 15_000))).toEqual({
      priority: "collect",
      promotion: undefined,
    });
    // Every answer logged wakes the poll: the reads that follow gather for 5 s before the next
    // goes before the answers to send.
    vi.advanceTimersByTime(1_000);
    expect(rateClassOf(p.signalOf(true, true, now + 15_000))).toEqual({
      priority: "request",
      promotion: { afterS: COLLECT_EVERY_S - 1, to: "collect" },
    });
    vi.advanceTimersByTime(4_000);
    expect(rateClassOf(p.signalOf(true, true, now + 15_000))?.priority).toBe("collect");
    expect([COLLECT_BEFORE_DUE_S, COLLECT_EVERY_S]).toEqual([20, 5]);
  });

  it("a read for a call longer than 120 s goes to collect 100 s after it was asked, as a 120 s call's does", () => {
    // On the real server (360 s calls, one asker of 200): with the move to collect only 20 s
    // before the deadline, the asker's read waited behind the answerers' replies from 180 s on and
    // 91 answers came in one read at 340 s, none within 120 s (against 25-35 on aa049984).
    vi.useFakeTimers({ toFake: ["performance"] });
    const now = performance.now();
    for (const callS of [120, 360, 1_800]) {
      const promotion = rateClassOf(
        pace(stale).signalOf(true, true, now + callS * 1_000),
      )?.promotion;
      expect(promotion?.next).toEqual({
        afterS: COLLECT_WITHIN_S - READ_GATHER_S,
        to: "collect",
      });
    }
    expect(COLLECT_WITHIN_S).toBe(120 - COLLECT_BEFORE_DUE_S);
  });

  it("a read of answers refused unsent and asked again keeps the time it waited toward collect", () => {
    // On the real server the asker's read gathered behind its own 130 unsent questions, was
    // refused at the end of its 25 s, and began again: no read from 125 s to 330 s of the run.
    vi.useFakeTimers({ toFake: ["performance"] });
    const p = pace(stale);
    const due = performance.now() + 360_000;
    p.signalOf(true, true, due);
    vi.advanceTimersByTime(30_000);
    expect(p.refusedMs(new MoleculeRateLimitError("not sent in time", { retryAfterMs: 1 }))).toBe(
      5_000,
    );
    const again = rateClassOf(p.signalOf(true, true, due))?.promotion;
    expect(again?.next).toEqual({
      afterS: COLLECT_WITHIN_S - 30 - READ_GATHER_S,
      to: "collect",
    });
    vi.advanceTimersByTime(60_000);
    p.refusedMs(new MoleculeRateLimitError("not sent in time", { retryAfterMs: 1 }));
    expect(rateClassOf(p.signalOf(true, true, due))).toEqual({
      priority: "request",
      promotion: { afterS: COLLECT_WITHIN_S - 90, to: "collect" },
    });
    // Sent (no refusal before the next), the next read counts from its own start.
    expect(rateClassOf(p.signalOf(true, true, due))?.promotion?.next).toEqual({
      afterS: COLLECT_WITHIN_S - READ_GATHER_S,
      to: "collect",
    });
  });

  it("a read of answers goes to collect at once once 10 rows the event stream announced wait unread", () => {
    // On the real server (360 s calls, one asker of 200), the asker read its answers 75-100 s apart
    // (115, 190, 261, 311 s after the burst): 125 of the answers logged by 300 s had reached it.
    vi.useFakeTimers({ toFake: ["performance", "setTimeout", "clearTimeout"] });
    const due = performance.now() + 360_000;
    const p = pace(stale);
    const read = p.signalOf(true, true, due);
    const bucket = new RateBucket();
    bucket.observe(
      200,
      { "x-ratelimit-limit": "120", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "59" },
      undefined,
    );
    const order: string[] = [];
    const far = performance.now() + 600_000;
    const mark = rateClassOf(read)!;
    const turns = [
      bucket.wait("answer", far).then(() => void order.push("answer")),
      bucket.wait(mark.priority, far, read, mark.promotion).then(() => void order.push("read")),
    ];
    for (let i = 1; i < ROWS_PER_READ; i++) p.announced();
    // Nine rows: it keeps gathering.
    expect(bucket.waiting).toBe(2);
    p.announced();
    // The tenth: it goes before the answers to send when the window opens.
    vi.advanceTimersByTime(61_000);
    return Promise.all(turns).then(() => {
      expect(order).toEqual(["read", "answer"]);
      // Rows announced and not yet read when a read is asked: it is asked in class collect. The
      // August server announces each polled message twice (its ingest, then queued for poll),
      // with the same `message_id`: one row.
      const q = pace();
      for (let i = 0; i < ROWS_PER_READ; i++) q.announced("m1");
      for (let i = 2; i < ROWS_PER_READ; i++) {
        q.announced(`m${i}`);
        q.announced(`m${i}`);
      }
      expect(rateClassOf(q.signalOf(true, true, due))?.priority).toBe("request");
      q.announced("m10");
      expect(rateClassOf(q.signalOf(true, true, due))?.priority).toBe("collect");
      // A read returned: the count starts again.
      q.readDone();
      expect(rateClassOf(q.signalOf(true, true, due))?.priority).toBe("request");
      expect(ROWS_PER_READ).toBe(10);
    });
  });

  it("while the event stream is up and announced no row from an awaited peer it could not take, a read brings no answers: it waits as any other", () => {
    // Its answers come with their events. On the real server, 20-42 reads of answers went before
    // the replies waiting to be sent in the minute before issue 100's calls' deadline.
    vi.useFakeTimers({ toFake: ["performance"] });
    const due = performance.now() + 120_000;
    const p = pace();
    expect(rateClassOf(p.signalOf(true, true, due))).toEqual({
      priority: "request",
      promotion: { afterS: WOKEN_READ_WAIT_S, to: "read" },
    });
    expect(rateClassOf(p.signalOf(false, true, due))?.priority).toBe("background");
    // A row from an awaited peer it could not take (no body, too large, ...): a read brings it.
    p.announced("m1");
    expect(rateClassOf(p.signalOf(true, true, due))?.promotion?.next?.to).toBe("collect");
  });

  it("a woken read waits with new calls for 30 s, then goes before them", () => {
    for (const p of [pace(), pace({ settlingMs: 500 }), pace({ connected: false })]) {
      const signal = p.signalOf(true, false);
      expect(rateClassOf(signal)?.priority).toBe("request");
      expect(rateClassOf(signal)?.promotion).toEqual({
        afterS: WOKEN_READ_WAIT_S,
        to: "read",
      });
    }
    expect(WOKEN_READ_WAIT_S).toBe(30);
  });

  it("a woken read refused unsent is asked again with the time it waited: its 30 s count from when it was first asked", () => {
    // A read has 25 s for its turn (the default 30 s timeout): behind a caller's burst of 200
    // questions it was refused before its 30 s promotion came, asked again 5 s later with a fresh
    // 30 s, and so on until every question was sent (the emulator: no reply for 140 s).
    vi.useFakeTimers({ toFake: ["performance"] });
    const p = pace();
    const refused = new MoleculeRateLimitError("not sent in time", { retryAfterMs: 30_000 });
    expect(rateClassOf(p.signalOf(true, false))?.promotion?.afterS).toBe(WOKEN_READ_WAIT_S);
    vi.advanceTimersByTime(25_000);
    expect(p.refusedMs(refused)).toBe(5_000);
    vi.advanceTimersByTime(1_000);
    const again = rateClassOf(p.signalOf(true, false));
    expect(again?.priority).toBe("request");
    expect(again?.promotion).toEqual({ afterS: 4, to: "read" }); // 30 s from the first ask
    vi.advanceTimersByTime(4_000);
    expect(p.refusedMs(refused)).toBe(5_000);
    vi.advanceTimersByTime(1_000);
    expect(rateClassOf(p.signalOf(true, false))).toEqual({
      priority: "read",
      promotion: undefined,
    });
    // A read that was not refused ends what was owed: the next woken read waits its 30 s again.
    vi.advanceTimersByTime(1_000);
    expect(rateClassOf(p.signalOf(true, false))?.promotion?.afterS).toBe(WOKEN_READ_WAIT_S);
    // Any other failure is not a refusal and carries nothing over.
    expect(p.refusedMs(new Error("socket hang up"))).toBeUndefined();
    vi.advanceTimersByTime(40_000);
    expect(rateClassOf(p.signalOf(true, false))?.promotion?.afterS).toBe(WOKEN_READ_WAIT_S);
  });

  it("the settle window's re-read waits with new calls; the safety net waits for a quiet moment", () => {
    expect(rateClassOf(pace({ settlingMs: 500 }).signalOf(false, false))?.priority).toBe("request");
    expect(
      rateClassOf(pace({ settlingMs: 500 }).signalOf(false, false))?.promotion,
    ).toBeUndefined();
    expect(rateClassOf(pace().signalOf(false, false))?.priority).toBe("background");
    // Without the event stream the timed read is the only way messages arrive: not background.
    expect(rateClassOf(pace({ connected: false }).signalOf(false, false))?.priority).toBe(
      "request",
    );
  });
});
