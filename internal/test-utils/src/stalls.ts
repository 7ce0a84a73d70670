// How late this process ran: a 10 ms timer, each tick more than 2 ms late counted as a stall of
// that lateness (the process paused, or the machine too busy to run it). On a loaded machine the
// lateness comes as many ticks a few ms late: a 20 ms floor saw 0 to 2.6 s of the 18 to 24 s (the
// platform's, at 20x) that 2 ms sees; quiet, 2 ms sees under 1 % of the time. A test whose bound
// must be real time leaves these out of it, or says that a stall decided the run, never guesses.

/** The stalls seen since {@link stallMeter} started; times are `performance.now()` ms. */
export interface StallMeter {
  /** How long this process stalled between `from` and `to`. */
  stalledMs(from: number, to: number): number;
  /** Its longest stall (the part of it) between `from` and `to`. */
  longestMs(from: number, to: number): number;
  stop(): void;
}

/** How often the event loop is sampled, and how late a tick must be to count as a stall (ms). */
const TICK_MS = 10;
const STALL_MS = 2;

/** Starts sampling this process's event loop (not ref'd: it keeps no process alive). */
export function stallMeter(): StallMeter {
  const stalls: Array<[end: number, length: number]> = [];
  let last = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    if (late > STALL_MS) stalls.push([now, late]);
    last = now;
  }, TICK_MS);
  sampler.unref();
  const within = (from: number, to: number): number[] =>
    stalls.map(([end, length]) => Math.max(0, Math.min(to, end) - Math.max(from, end - length)));
  return {
    stalledMs: (from, to) => within(from, to).reduce((a, b) => a + b, 0),
    longestMs: (from, to) => Math.max(0, ...within(from, to)),
    stop: () => clearInterval(sampler),
  };
}
