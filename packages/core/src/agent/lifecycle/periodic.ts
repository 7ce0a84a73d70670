// Periodic platform calls of an agent (heartbeat, state check): one task on the process-wide
// scheduler that never overlaps itself, with a jittered first wait so agents started together
// spread their calls.
import { detached } from "../../observability/index.js";
import { ScheduledTask } from "../../transport/index.js";

/** An agent's periodic tasks and their in-flight runs, so stopping can cancel and await them. */
export class PeriodicTasks {
  /** Whether to keep scheduling (set while the agent runs). */
  active = false;
  readonly #tasks: ScheduledTask[] = [];
  /** Runs in flight. */
  readonly #pending = new Set<Promise<unknown>>();

  /**
   * Runs `fn` every `ms` (the next wait starts when a run ends) while `active`. The first wait is
   * jittered down to [ms/2, ms]: a fleet started in one go does not call the platform in lockstep
   * (fewer concurrent requests, fewer sockets), and no call is ever later than `ms`. Each run
   * starts on its own (never behind another agent's or another task's run).
   */
  every(ms: number, fn: () => Promise<void>): void {
    let current: Promise<void> | undefined;
    const ended = (): void => {
      this.#pending.delete(current!);
      current = undefined;
      if (this.active) task.at(ms);
      else this.#drop(task);
    };
    const task = new ScheduledTask(() => {
      if (!this.active) return void this.#drop(task);
      current = detached(fn).then(ended, ended);
      this.#pending.add(current);
    });
    this.#tasks.push(task);
    task.at(ms * (0.5 + Math.random() / 2));
  }

  /** Cancels every task (runs in flight go on: see {@link PeriodicTasks.settled}). */
  cancel(): void {
    for (const t of this.#tasks.splice(0)) t.cancel();
  }

  /** Resolves once every run in flight has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#pending);
  }

  #drop(task: ScheduledTask): void {
    const i = this.#tasks.indexOf(task);
    if (i >= 0) this.#tasks.splice(i, 1);
  }
}
