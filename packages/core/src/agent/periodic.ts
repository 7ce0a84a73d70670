// Periodic platform calls of an agent (heartbeat, state check): one task on the process-wide
// scheduler that never overlaps itself, with a jittered first wait so agents started together
// spread their calls.
import { detached } from "../observability/index.js";
import { ScheduledTask } from "../transport/index.js";

/** Where an agent keeps its periodic tasks and in-flight runs, so stopping can cancel and await them. */
export interface PeriodicTasks {
  readonly tasks: Set<ScheduledTask>;
  readonly pending: Set<Promise<unknown>>;
  /** Whether to keep scheduling. */
  running(): boolean;
}

/**
 * Runs `fn` every `ms` (the next wait starts when a run ends) while `tasks.running()`. The first
 * wait is jittered down to [ms/2, ms]: a fleet started in one go does not call the platform in
 * lockstep (fewer concurrent requests, fewer sockets), and no call is ever later than `ms`.
 * Each run starts on its own (never behind another agent's or another task's run).
 */
export function every(tasks: PeriodicTasks, ms: number, fn: () => Promise<void>): void {
  const ended = (): void => {
    tasks.pending.delete(current!);
    current = undefined;
    if (tasks.running()) task.at(ms);
    else tasks.tasks.delete(task);
  };
  let current: Promise<void> | undefined;
  const task = new ScheduledTask(() => {
    if (!tasks.running()) return void tasks.tasks.delete(task);
    current = detached(fn).then(ended, ended);
    tasks.pending.add(current);
  });
  tasks.tasks.add(task);
  task.at(ms * (0.5 + Math.random() / 2));
}
