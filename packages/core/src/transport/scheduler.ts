// One timer for the whole process: every agent's periodic work (heartbeats, state checks, the
// late-heartbeat watchdog, poll waits) is an entry in one min-heap of due times under a single
// `setTimeout`, instead of a timer, a closure chain and a promise per agent and per period. An
// entry is allocated once and re-armed in place, so a fleet of agents allocates almost nothing
// between its platform calls (which also keeps V8's young generation from growing). Due times are
// monotonic (`performance.now()`): a wall clock stepped back or forward (NTP, a VM resumed from a
// snapshot) moves no heartbeat, state check, poll wait or watchdog.
import { emitWarning } from "../runtime/index.js";

/**
 * Whether a timer due at `due` (`performance.now()` ms) that bounds an absence of `boundMs` ran late
 * enough to say the process was paused (a frozen VM, a machine too busy to run it): by a quarter of
 * the bound, or a second. Such a timer judges no absence yet: what came meanwhile is not read.
 */
export function ranLate(due: number, boundMs: number): boolean {
  return performance.now() - due >= Math.min(boundMs / 4, 1_000);
}

/** A unit of scheduled work: created once, armed with {@link ScheduledTask.at}, re-armed in place. */
export class ScheduledTask {
  /** When it is due (monotonic ms, `performance.now()`). */
  due = 0;
  /** Its place in the heap; -1 when not armed, -2 when due in the batch being run. */
  index = -1;

  /**
   * @param run called once each time the task is due (must not throw; errors are reported as
   *   process warnings and never stop the other tasks)
   * @param ref whether an armed task keeps the process alive (like a ref'd `setTimeout`)
   */
  constructor(
    readonly run: () => void,
    readonly ref = true,
  ) {}

  /** Whether the task is armed. */
  get armed(): boolean {
    return this.index >= 0;
  }

  /** Arms (or re-arms) the task to run `ms` from now. */
  at(ms: number): void {
    scheduler.arm(this, performance.now() + Math.max(0, ms));
  }

  /** Disarms the task (no-op when it is not armed). */
  cancel(): void {
    scheduler.disarm(this);
  }
}

/** The process-wide scheduler: a binary min-heap of tasks by due time, one timer for the earliest. */
class Scheduler {
  readonly #heap: ScheduledTask[] = [];
  #refs = 0;
  #timer: NodeJS.Timeout | undefined;
  /** What the armed timer was set with (fake timers in tests may swap the globals meanwhile). */
  #clear: typeof clearTimeout = clearTimeout;
  /** The due time the armed timer fires for. */
  #armedFor = Number.POSITIVE_INFINITY;
  /** When the timer was armed (`performance.now()`). */
  #armedAt = 0;

  arm(task: ScheduledTask, due: number): void {
    if (task.index >= 0) {
      const old = task.due;
      task.due = due;
      if (due < old) this.#up(task.index);
      else this.#down(task.index);
    } else {
      task.due = due;
      task.index = this.#heap.length;
      this.#heap.push(task);
      if (task.ref) this.#refs++;
      this.#up(task.index);
    }
    this.#rearm();
  }

  disarm(task: ScheduledTask): void {
    const i = task.index;
    if (i < 0) {
      task.index = -1; // a due task cancelled by an earlier one of its batch does not run
      return;
    }
    if (task.ref) this.#refs--;
    const last = this.#heap.pop()!;
    task.index = -1;
    if (last !== task) {
      this.#heap[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
    this.#rearm();
  }

  /** Arms the timer for the earliest task (re-creating it only when the earliest moved earlier). */
  #rearm(): void {
    const top = this.#heap[0];
    if (!top) {
      this.#stopTimer();
      return;
    }
    if (this.#timer && top.due >= this.#armedFor) {
      this.#refTimer();
      return; // fires no later than needed; #fire re-arms for the rest
    }
    this.#stopTimer();
    this.#armedFor = top.due;
    this.#armedAt = performance.now();
    this.#clear = clearTimeout;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, top.due - performance.now()));
    this.#refTimer();
  }

  #refTimer(): void {
    if (this.#refs > 0) this.#timer?.ref();
    else this.#timer?.unref();
  }

  #stopTimer(): void {
    if (this.#timer) this.#clear(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #fire(): void {
    const real = performance.now();
    if (real < this.#armedFor - 1 && real > this.#armedAt) {
      // A timer is timed from the event loop's clock, which a long tick leaves behind (a busy
      // machine): it can fire several milliseconds early. The rest is waited out.
      this.#timer = setTimeout(() => this.#fire(), this.#armedFor - real);
      this.#refTimer();
      return;
    }
    // The timer firing means its due time has come, whatever the clock says (a timer may fire a
    // millisecond early; fake timers may not fake `performance`, whose clock then has not moved).
    const now = Math.max(real, this.#armedFor);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const due: ScheduledTask[] = [];
    for (let top = this.#heap[0]; top && top.due <= now; top = this.#heap[0]) {
      this.#popTop(top);
      due.push(top);
    }
    this.#rearm();
    for (const task of due) {
      // An earlier task of this batch may have cancelled this one or re-armed it for later.
      if (task.index !== -2) continue;
      task.index = -1;
      try {
        task.run();
      } catch (err) {
        emitWarning(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** Removes the earliest task (marked due) without re-arming the timer. */
  #popTop(task: ScheduledTask): void {
    if (task.ref) this.#refs--;
    const last = this.#heap.pop()!;
    task.index = -2;
    if (last !== task) {
      this.#heap[0] = last;
      last.index = 0;
      this.#down(0);
    }
  }

  #up(i: number): void {
    const h = this.#heap;
    const t = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.due <= t.due) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = t;
    t.index = i;
  }

  #down(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const t = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.due < h[l]!.due ? r : l;
      const child = h[c]!;
      if (child.due >= t.due) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = t;
    t.index = i;
  }

  /** Armed tasks (for tests and diagnostics). */
  get size(): number {
    return this.#heap.length;
  }
}

const scheduler = new Scheduler();

/** How many tasks are armed in this process (diagnostics). */
export function scheduledTasks(): number {
  return scheduler.size;
}
