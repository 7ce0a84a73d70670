// Periodic platform calls of an agent (heartbeat, state check): a setTimeout chain that never
// overlaps itself, with a jittered first wait so agents started together spread their calls.
import { detached } from "../observability/index.js";

/** Where an agent keeps its periodic timers and in-flight runs, so stopping can clear and await them. */
export interface PeriodicTasks {
  readonly timers: Set<NodeJS.Timeout>;
  readonly pending: Set<Promise<unknown>>;
  /** Whether to keep scheduling. */
  running(): boolean;
}

/**
 * Runs `fn` every `ms` (the next wait starts when a run ends) while `tasks.running()`. The first
 * wait is jittered down to [ms/2, ms]: a fleet started in one go does not call the platform in
 * lockstep (fewer concurrent requests, fewer sockets), and no call is ever later than `ms`.
 */
export function every(tasks: PeriodicTasks, ms: number, fn: () => Promise<void>): void {
  // The steady timer is created once and re-armed with refresh(): no allocation per period.
  let steady: NodeJS.Timeout | undefined;
  let jittered = false;
  let current: NodeJS.Timeout | undefined;
  const run = (): void => {
    const p = detached(fn).finally(() => {
      tasks.pending.delete(p);
      if (tasks.running()) tick();
    });
    tasks.pending.add(p);
  };
  const fire = (): void => {
    if (current) tasks.timers.delete(current);
    current = undefined;
    if (tasks.running()) run();
  };
  const tick = (): void => {
    if (!jittered) {
      jittered = true;
      current = setTimeout(fire, ms * (0.5 + Math.random() / 2));
    } else {
      current = steady ? steady.refresh() : (steady = setTimeout(fire, ms));
    }
    tasks.timers.add(current);
  };
  tick();
}
