// Issue 116: a request that waits for its turn of a spent budget is sent only while its answer can
// still come back (its time to go: `wait`'s deadline). A process paused past that time (a frozen
// VM, a machine too busy to run it) wakes with its timers late: the turn they then give is refused
// unsent (`retryAfterMs`), not sent to be aborted a moment later. The bucket's clock is the test's,
// the timers fake: the pause moves the clock while no timer runs.
import { afterEach, expect, it, vi } from "vitest";
import { RateBucket } from "../src/transport/rate-budget.js";

afterEach(() => void vi.useRealTimers());

const headers = (remaining: number, reset: number) => ({
  "x-ratelimit-limit": "120",
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-reset": String(reset),
});

/** A bucket on `clock` whose window is spent for the next 10 s. */
function spentFor10s(clock: { t: number }): RateBucket {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const b = new RateBucket(() => clock.t);
  b.observe(200, headers(0, 10), undefined);
  return b;
}

it("a turn whose time to go passed while the process was paused is refused unsent", async () => {
  const clock = { t: 0 };
  const b = spentFor10s(clock);
  const turn = b.wait("request", 12_000);
  // Paused from 2 s to 20 s: the window opened at 10 s, its time to go (12 s) passed meanwhile.
  vi.advanceTimersByTime(2_000);
  clock.t = 20_000;
  vi.advanceTimersByTime(10_000); // the timers late: they run now, at 20 s
  expect(await turn).toHaveProperty("retryAfterMs");
});

it("the same turn, the process not paused, goes when the window opens", async () => {
  const clock = { t: 0 };
  const b = spentFor10s(clock);
  const turn = b.wait("request", 12_000);
  for (let i = 0; i < 12; i++) {
    clock.t += 1_000;
    vi.advanceTimersByTime(1_000);
  }
  expect(await turn).toHaveProperty("window");
});

it("a turn its timer gives a moment late (within a platform second) still goes", async () => {
  const clock = { t: 0 };
  const b = spentFor10s(clock);
  // Its time to go is 11 s; the timers due from 9 s on run at 11.5 s.
  const turn = b.wait("request", 11_000);
  for (let i = 0; i < 9; i++) {
    clock.t += 1_000;
    vi.advanceTimersByTime(1_000);
  }
  clock.t = 11_500;
  vi.advanceTimersByTime(2_500);
  expect(await turn).toHaveProperty("window");
});
