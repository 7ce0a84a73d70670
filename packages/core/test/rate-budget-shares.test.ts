// Issue 100: within a class, the turns of a spent budget go round the agents that wait (each
// request's bearer is its owner), so one agent's burst does not hold another's first request back
// past one turn; an agent that asks late joins the round being served. On fake timers.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { platformSecond, RateBucket } from "../src/transport/rate-budget.js";
import type { RatePriority } from "../src/transport/rate-priority.js";

// Faked before each test makes its bucket: one made on the real clock would read its window from the
// worker's age (fake time starts at 0), and failed once a shared worker had run for 450 s.
beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
afterEach(() => {
  vi.useRealTimers();
  platformSecond.ms = 1_000;
});

/** An answer's limiter headers: `remaining` of `limit` left, the window reset in `reset` s. */
const headers = (remaining: number, reset: number, limit = 120) => ({
  "x-ratelimit-limit": String(limit),
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-reset": String(reset),
});

/** A bucket whose window is spent for the next `s` seconds, then gives `limit` a minute. */
function spent(s: number, limit = 120): RateBucket {
  const b = new RateBucket();
  b.observe(200, headers(0, s, limit), undefined);
  return b;
}

/**
 * Asks `b` for turns: each call waits for one of `priority` from `owner` and, once given, records
 * `name` in `order`.
 */
function waiter(b: RateBucket, order: string[]) {
  const far = performance.now() + 600_000;
  return (owner: string, name: string, priority: RatePriority = "request") =>
    b.wait(priority, far, undefined, undefined, owner).then((t) => {
      if ("window" in t) order.push(name);
    });
}

it("one agent's burst does not hold another's first request back past one turn", async () => {
  const order: string[] = [];
  const wait = waiter(spent(2), order);
  const all = [
    ...Array.from({ length: 10 }, (_, i) => wait("agent-a", `a${i}`)),
    wait("agent-b", "b0"),
    wait("agent-b", "b1"),
    wait("agent-c", "c0"),
  ];
  await vi.advanceTimersByTimeAsync(600_000);
  await Promise.all(all);
  // Each round gives each waiting agent one turn, in the order they first asked.
  expect(order).toEqual([
    "a0",
    "b0",
    "c0",
    "a1",
    "b1",
    ...Array.from({ length: 8 }, (_, i) => `a${i + 2}`),
  ]);
});

it("an agent that asks late takes its turn in the round being served, not after the others' runs", async () => {
  const order: string[] = [];
  const wait = waiter(spent(2, 4), order); // a turn at a time once the window opens
  const all = [
    ...Array.from({ length: 6 }, (_, i) => wait("agent-a", `a${i}`)),
    ...Array.from({ length: 6 }, (_, i) => wait("agent-b", `b${i}`)),
  ];
  // Three rounds are served (a0 b0 a1 b1 a2 b2), then agent c asks.
  while (order.length < 6) await vi.advanceTimersByTimeAsync(100);
  expect(order).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  all.push(wait("agent-c", "c0"));
  await vi.advanceTimersByTimeAsync(600_000);
  await Promise.all(all);
  expect(order.slice(6, 9)).toEqual(["a3", "b3", "c0"]);
});

it("classes still go first: a heartbeat before any agent's request, whatever the rounds", async () => {
  const order: string[] = [];
  const wait = waiter(spent(2), order);
  const all = [
    wait("agent-a", "a0"),
    wait("agent-a", "a1"),
    wait("agent-b", "hb", "heartbeat"),
    wait("agent-b", "answer", "answer"),
  ];
  await vi.advanceTimersByTimeAsync(600_000);
  await Promise.all(all);
  expect(order).toEqual(["hb", "answer", "a0", "a1"]);
});

it("a request with no owner (a read gathering what the others bring) waits behind every round", async () => {
  const order: string[] = [];
  const wait = waiter(spent(2), order);
  const all = [
    wait("agent-a", "a0"),
    wait("", "read"),
    wait("agent-a", "a1"),
    wait("agent-b", "b0"),
    wait("agent-b", "b1"),
  ];
  await vi.advanceTimersByTimeAsync(600_000);
  await Promise.all(all);
  expect(order).toEqual(["a0", "b0", "a1", "b1", "read"]);
});
