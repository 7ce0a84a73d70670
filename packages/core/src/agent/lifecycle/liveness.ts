// Late-heartbeat detection: a heartbeat that has not reached the platform one interval after it
// was due means the canvas is about to show the agent offline while the process looks healthy
// (a starved connection pool, a blocked event loop). It is reported loudly, never silently. Times
// are monotonic (`performance.now()`): a wall clock stepped back or forward is no lateness.
import { type AgentObserver, HeartbeatLateWarning } from "../../events/index.js";
import { ScheduledTask } from "../../transport/index.js";

/** Lateness below this is never reported, whatever the interval (tests use intervals of ms). */
const MIN_LATE_MS = 5_000;

/**
 * Watches one agent's heartbeats. A heartbeat is due `intervalMs` after the previous one
 * completed; it is late when it has not completed `intervalMs` (at least 5 s) after that.
 * Reported once per late episode (to the agent's observer: an event, a log line,
 * `onHeartbeatLate`), and the recovery is logged.
 */
export class HeartbeatWatch {
  readonly #workspaceId: string;
  readonly #intervalMs: number;
  readonly #observer: AgentObserver;
  #lastDone: number | undefined;
  #startedAt = 0;
  #inFlight = false;
  #late = false;
  /** The watchdog: one task on the process-wide scheduler, re-armed at each heartbeat (not ref'd). */
  readonly #timer = new ScheduledTask(() => this.#check(), false);

  constructor(workspaceId: string, intervalMs: number, observer: AgentObserver) {
    this.#workspaceId = workspaceId;
    this.#intervalMs = intervalMs;
    this.#observer = observer;
  }

  /** How late a heartbeat may be before it is reported: its interval, at least 5 s. */
  get #lateAfterMs(): number {
    return Math.max(this.#intervalMs, MIN_LATE_MS);
  }

  /** Call when a heartbeat starts (one at a time: the heartbeat task never overlaps itself). */
  begin(): void {
    const now = performance.now();
    const ms = this.#intervalMs;
    // A heartbeat is due `ms` after the previous one completed, late `#lateAfterMs` after that.
    if (this.#lastDone !== undefined && now - this.#lastDone > ms + this.#lateAfterMs) {
      this.#report(now - this.#lastDone - ms); // the timer itself fired late (a blocked loop)
    }
    this.#startedAt = now;
    this.#inFlight = true;
    this.#timer.at(this.#lateAfterMs);
  }

  /** Call when the heartbeat has ended; `ok`: it reached the platform. */
  end(ok: boolean): void {
    this.#inFlight = false;
    if (!ok) return;
    this.#lastDone = performance.now();
    if (this.#late) {
      this.#late = false;
      this.#observer.logger.warn?.("heartbeat on time again", { workspaceId: this.#workspaceId });
    }
  }

  /** Stops the watchdog timer. */
  stop(): void {
    this.#timer.cancel();
    this.#inFlight = false;
  }

  #check(): void {
    if (!this.#inFlight) return;
    // Still in flight `#lateAfterMs` after it started (it started when due): late by at least that
    // much (a timer may fire a millisecond before the clock says it is due).
    this.#report(Math.max(performance.now() - this.#startedAt, this.#lateAfterMs));
  }

  #report(lateByMs: number): void {
    if (this.#late) return;
    this.#late = true;
    const late = Math.round(lateByMs);
    this.#observer.heartbeatLate(
      new HeartbeatLateWarning(this.#workspaceId, late, this.#intervalMs),
    );
  }
}
