// Issue 100: fair shares of a bucket's new calls (rate-shares.ts). Under a spent budget one agent's
// burst of questions does not hold back another agent's first question by more than one round (a
// quantum of turns each, sized from the budget and the agents), in the burst too; one agent alone,
// and the poll's reads, keep the order asked. The bucket runs on fake timers; the fleet against the
// emulator is in rate-budget-fleet.test.ts.
import { afterEach, describe, expect, it, vi } from "vitest";
import { RateBucket, type RatePriority } from "../src/transport/rate-budget.js";

afterEach(() => {
  vi.useRealTimers();
});

/** An answer's limiter headers. */
const headers = (remaining: number, reset: number, limit = 120) => ({
  "x-ratelimit-limit": String(limit),
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-reset": String(reset),
});

/**
 * A bucket that 20 agents send into (a heartbeat each), its window's remaining turns `remaining`:
 * at 120 a minute their quantum is 2 turns a round.
 */
function sharedBucket(remaining: number): { b: RateBucket; agents: object[] } {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  const b = new RateBucket();
  const agents = Array.from({ length: 20 }, () => ({}));
  for (const a of agents) b.sender(a);
  b.observe(200, headers(remaining, 59), undefined);
  return { b, agents };
}

describe("RateBucket's fair shares of new calls", () => {
  it("under a spent budget one agent's burst does not delay another's first question past one round", async () => {
    const { b, agents } = sharedBucket(0); // spent for 60 s
    const [a, c, d] = agents as [object, object, object];
    const far = performance.now() + 600_000;
    const order: string[] = [];
    const ask = (name: string, agent: object | undefined, p: RatePriority = "request") =>
      b.wait(p, far, undefined, undefined, agent).then((t) => {
        if ("window" in t) order.push(name);
      });
    const all = [
      ...Array.from({ length: 10 }, (_, i) => ask(`a${i}`, a)), // agent a's burst of 10
      ask("c0", c),
      ask("c1", c),
      ask("d0", d),
      ask("heartbeat", d, "heartbeat"), // the classes still go first
    ];
    await vi.advanceTimersByTimeAsync(600_000);
    await Promise.all(all);
    // A round: 2 turns each (aa049984: c0 after all of a's 10).
    expect(order).toEqual([
      "heartbeat",
      "a0",
      "a1",
      "c0",
      "c1",
      "d0",
      ...Array.from({ length: 8 }, (_, i) => `a${i + 2}`),
    ]);
  });

  it("in the burst too: an agent past its share waits for the calls asked with it", async () => {
    const { b, agents } = sharedBucket(100); // most of a window to spend
    const [a, c] = agents as [object, object];
    expect(b.take("request", a)).toBe(0);
    expect(b.take("request", a)).toBe(0);
    expect(b.take("request", a)).toBeUndefined(); // its quantum of the round is taken
    const far = performance.now() + 600_000;
    const order: string[] = [];
    const ask = (name: string, agent: object) =>
      b.wait("request", far, undefined, undefined, agent).then((t) => {
        if ("window" in t) order.push(name);
      });
    const all = [ask("a2", a), ask("a3", a), ask("c0", c), ask("c1", c), ask("c2", c)];
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    // c asked in the same turn of the event loop: its share first, then a new round.
    expect(order).toEqual(["c0", "c1", "a2", "a3", "c2"]);
  });

  it("one agent alone, with the poll's reads between its calls, keeps the order asked", async () => {
    const { b, agents } = sharedBucket(0);
    const [a] = agents as [object];
    const far = performance.now() + 600_000;
    const order: string[] = [];
    const ask = (name: string, agent: object | undefined) =>
      b.wait("request", far, undefined, undefined, agent).then((t) => {
        if ("window" in t) order.push(name);
      });
    const names = ["a0", "a1", "a2", "read-1", "a3", "a4", "a5", "read-2", "a6"];
    const all = names.map((n) => ask(n, n.startsWith("read") ? undefined : a));
    await vi.advanceTimersByTimeAsync(600_000);
    await Promise.all(all);
    expect(order).toEqual(names);
  });
});
