// How long a streamed task lives (a2a/server/task-life.ts), on a fake clock (a pause on real ones): a task its own stream
// or a resubscription follows is never timed out; once nobody follows it, it is canceled after
// the time to live, counted from its last follower (or another replica's last notice that one
// of its streams follows it), with the reason `task_unwatched`; an ended task is not timed. (Over real HTTP, with a cut: a2a-stream-cut.test.ts.)
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Scope } from "../src/a2a/server/scope.js";
import { TaskHub } from "../src/a2a/server/task-hub.js";
import { TaskLifetimes } from "../src/a2a/server/task-life.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function rig(ttlMs = 1_000) {
  let lives!: TaskLifetimes;
  const hub = new TaskHub((id) => lives.changed(id));
  lives = new TaskLifetimes(() => hub, ttlMs);
  const canceled: Array<{ code?: string; message: string }> = [];
  const scope = new Scope();
  const detached = lives.started("t1", scope, (reason) => canceled.push(reason));
  return { hub, lives, scope, detached, canceled };
}

describe("the lifetime of a streamed task", () => {
  it("followed by its stream: never timed out; once its stream is gone: canceled after the TTL", () => {
    const { detached, canceled } = rig();
    vi.advanceTimersByTime(10_000);
    expect(canceled).toEqual([]);
    detached();
    vi.advanceTimersByTime(999);
    expect(canceled).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(canceled).toHaveLength(1);
    expect(canceled[0]).toMatchObject({
      code: "task_unwatched",
      message: expect.stringMatching(/no caller followed it for 1000 ms after its stream closed/),
    });
  });

  it("a resubscription keeps it; the TTL counts from the last follower's leaving", () => {
    const { hub, detached, canceled } = rig();
    detached();
    vi.advanceTimersByTime(900);
    const off = hub.on("t1", () => undefined);
    vi.advanceTimersByTime(5_000);
    expect(canceled).toEqual([]);
    const off2 = hub.on("t1", () => undefined);
    off();
    vi.advanceTimersByTime(5_000);
    expect(canceled).toEqual([]); // one follower is still there
    off2();
    off2(); // leaving twice changes nothing
    vi.advanceTimersByTime(999);
    expect(canceled).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(canceled).toHaveLength(1);
  });

  it("a process paused past the time to live reads the notice that came meanwhile before judging", async () => {
    vi.useRealTimers(); // the pause is real: a timer run late
    const { lives, detached, canceled } = rig();
    detached();
    const until = performance.now() + 1_500;
    while (performance.now() < until); // frozen past the TTL (1 s): nothing of this process runs
    // The other replica's notice, read once the process runs again, after its overdue timers.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        lives.followedElsewhere("t1");
        resolve();
      }, 1),
    );
    expect(canceled).toEqual([]);
    // No notice after it: canceled a time to live later.
    await vi.waitFor(() => expect(canceled).toHaveLength(1), { timeout: 10_000 });
  });

  it("a notice that another replica's stream follows it starts its time again", () => {
    const { lives, detached, canceled } = rig();
    detached();
    vi.advanceTimersByTime(900);
    lives.followedElsewhere("t1");
    vi.advanceTimersByTime(900);
    lives.followedElsewhere(undefined); // notices may have been missed: every task's
    vi.advanceTimersByTime(999);
    expect(canceled).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(canceled).toHaveLength(1);
  });

  it("an ended task, or one restarted with another scope, is not canceled by an old timer", () => {
    const { lives, scope, detached, canceled } = rig();
    detached();
    lives.ended("t1", scope);
    vi.advanceTimersByTime(5_000);
    expect(canceled).toEqual([]);
    const next = new Scope();
    const again: unknown[] = [];
    lives.started("t1", next, (r) => again.push(r));
    detached(); // the first run's stream: not this run's
    lives.ended("t1", scope); // the first run: not this one
    vi.advanceTimersByTime(5_000);
    expect(again).toEqual([]);
  });
});
