// The process-wide scheduler (one timer for every agent's periodic work): tasks run once each
// time they are due, never early, in due order; re-arming and cancelling work from inside a run;
// a task that throws does not stop the others.
import { describe, expect, it } from "vitest";
import { ScheduledTask, scheduledTasks } from "../src/transport/index.js";

/** Resolves once `n` tasks have recorded a run. */
function counter(n: number): { hit(): void; all: Promise<void> } {
  let left = n;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  return { hit: () => void (--left === 0 && done()), all };
}

describe("ScheduledTask", () => {
  it("runs 2,000 tasks once each, none before it was due, in due order", async () => {
    const n = 2_000;
    const c = counter(n);
    const order: number[] = [];
    const early: number[] = [];
    const tasks = Array.from({ length: n }, (_, i) => {
      const delay = (i * 7919) % 150; // spread over 150 ms, not in creation order
      const task: ScheduledTask = new ScheduledTask(() => {
        // task.due: when the scheduler was told it is due (a timer may fire 1 ms early).
        if (performance.now() < task.due - 1) early.push(i);
        order.push(task.due);
        c.hit();
      });
      task.at(delay);
      return task;
    });
    expect(scheduledTasks()).toBeGreaterThanOrEqual(n);
    await c.all;
    expect(order).toHaveLength(n);
    expect(early).toEqual([]);
    expect(order).toEqual(order.toSorted((a, b) => a - b));
    expect(tasks.every((t) => !t.armed)).toBe(true);
  });

  it("re-arming moves a task; cancel and re-arm from inside a run", async () => {
    const runs: string[] = [];
    const c = counter(3);
    const b = new ScheduledTask(() => runs.push("b"));
    let ticks = 0;
    const a = new ScheduledTask(() => {
      runs.push("a");
      b.cancel(); // due later: never runs
      if (++ticks < 3) a.at(5); // periodic, re-armed in place
      c.hit();
    });
    // Due after b: tasks run in due order, so once it has run b would have too, had it not been
    // cancelled.
    let ran!: () => void;
    const after = new Promise<void>((r) => (ran = r));
    const sentinel = new ScheduledTask(() => ran());
    a.at(200);
    a.at(10); // moved earlier
    b.at(60);
    sentinel.at(80);
    await c.all;
    await after;
    expect(runs).toEqual(["a", "a", "a"]);
    expect(a.armed || b.armed).toBe(false);
  });

  it("a task cancelled or re-armed by an earlier task due in the same batch does not run now", async () => {
    // The bug this guards: a heartbeat's late-watchdog due in the same millisecond as the next
    // heartbeat ran after it and reported the fresh, in-flight heartbeat as 5 s late.
    // Waits for c's run itself, not for a later task: on a loaded machine `a` can run late
    // enough that c's re-armed time falls after any fixed deadline.
    const runs: string[] = [];
    let aRanAt = 0;
    let cRan!: (at: number) => void;
    const cRun = new Promise<number>((r) => (cRan = r));
    const b = new ScheduledTask(() => runs.push("b"));
    const c = new ScheduledTask(() => {
      runs.push("c");
      cRan(Date.now());
    });
    const a = new ScheduledTask(() => {
      runs.push("a");
      aRanAt = Date.now();
      b.cancel();
      c.at(30);
    });
    const t0 = Date.now();
    a.at(1);
    b.at(2);
    c.at(3);
    // Block the loop past all three due times: the timer then fires once for a batch of three.
    while (Date.now() - t0 < 15);
    const cAt = await cRun;
    // Had b or c run in a's batch, c's first run would come right after a's, before its new time.
    expect(runs).toEqual(["a", "c"]);
    expect(cAt - aRanAt).toBeGreaterThanOrEqual(29); // a timer may fire 1 ms early
    expect(a.armed || b.armed || c.armed).toBe(false);
  });

  it("a task that throws is reported and the others due with it still run", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    try {
      const c = counter(2);
      const boom = new ScheduledTask(() => {
        throw new Error("boom");
      });
      const ok = [new ScheduledTask(c.hit), new ScheduledTask(c.hit)];
      boom.at(5);
      for (const t of ok) t.at(5);
      await c.all;
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message)).toContain("boom");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
