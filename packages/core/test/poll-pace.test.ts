// The rate class each poll read waits in (see poll-pace.ts): under a spent budget, a read while the
// agent's own calls await answers brings answers; a read an event woke waits with new calls for at
// most 30 s, then goes before them (it reads questions callers await answers to); the settle
// window's re-read waits with new calls; the timed safety-net read, while the event stream is up,
// waits for a quiet moment.
import { describe, expect, it } from "vitest";
import { PollPace, WOKEN_READ_WAIT_S } from "../src/agent/source/poll-pace.js";
import { rateClassOf } from "../src/transport/rate-class.js";

function pace(o: { connected?: boolean; settlingMs?: number } = {}): PollPace {
  return new PollPace(
    5_000,
    () => o.connected ?? true,
    () => o.settlingMs,
    () => false,
    new AbortController().signal,
  );
}

describe("PollPace.signalOf", () => {
  it("a read while the agent's own calls await answers brings answers (class read)", () => {
    expect(rateClassOf(pace().signalOf(false, true))?.priority).toBe("read");
    expect(rateClassOf(pace().signalOf(true, true))?.priority).toBe("read");
    expect(rateClassOf(pace().signalOf(false, true))?.promotion).toBeUndefined();
  });

  it("a woken read waits with new calls for 30 s, then goes before them", () => {
    for (const p of [pace(), pace({ settlingMs: 500 }), pace({ connected: false })]) {
      const signal = p.signalOf(true, false);
      expect(rateClassOf(signal)?.priority).toBe("request");
      expect(rateClassOf(signal)?.promotion).toEqual({ afterS: WOKEN_READ_WAIT_S, to: "read" });
    }
    expect(WOKEN_READ_WAIT_S).toBe(30);
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
