// The warnings an agent reports loudly, never silently. A late heartbeat: the platform is about to
// mark the agent offline while the process looks healthy. A failed event-stream probe (a timeout under a burst of starts, a reset) leaves a poll agent
// without event wake-ups: messages then wait for the next poll. Said loudly, never silently.
import { MoleculeError } from "../transport/index.js";

/**
 * Emitted (a logger warning plus a process warning) when a poll agent runs without wake-ups: it
 * started without them (`"probe"`: the event-stream probe failed), or its stream went down
 * (`"stream"`: silent past its bound, or not reopened for as long; it is being reopened).
 */
export class EventWakeupsUnavailableWarning extends MoleculeError {
  /** The workspace whose agent runs without event wake-ups. */
  readonly workspaceId: string;
  /** The poll interval messages now arrive on, in ms. */
  readonly pollIntervalMs: number;
  /** Why the probe failed, or what happened to the stream. */
  readonly reason: string;

  constructor(
    workspaceId: string,
    pollIntervalMs: number,
    reason: string,
    when: "probe" | "stream" = "probe",
  ) {
    super(
      when === "stream"
        ? `workspace ${workspaceId}: event wake-ups are down: ${reason}. Messages arrive on the ` +
            `poll interval, ${pollIntervalMs} ms, until the stream is back ("event stream reconnected" is logged).`
        : `workspace ${workspaceId}: the event-stream probe failed (${reason}), so the agent runs ` +
            `without event wake-ups: messages arrive on the poll interval, ${pollIntervalMs} ms. ` +
            "Usually a platform slow under a burst of starts: restart the agent to probe again, or " +
            "lower pollIntervalMs.",
      { code: "event_wakeups_unavailable", retryable: true },
    );
    this.workspaceId = workspaceId;
    this.pollIntervalMs = pollIntervalMs;
    this.reason = reason;
  }
}

/** Emitted (as a process warning, or to `onHeartbeatLate`) when a heartbeat is late. */
export class HeartbeatLateWarning extends MoleculeError {
  /** The workspace whose heartbeat is late. */
  readonly workspaceId: string;
  /** How long after it was due the heartbeat still had not completed, in ms. */
  readonly lateByMs: number;
  /** The heartbeat interval, in ms. */
  readonly intervalMs: number;

  constructor(workspaceId: string, lateByMs: number, intervalMs: number) {
    super(
      `workspace ${workspaceId}: heartbeat is ${lateByMs} ms late (interval ${intervalMs} ms); the ` +
        "platform will mark the agent offline. Check the platform's reachability, an event loop " +
        "blocked by synchronous work, or a custom dispatcher whose connections are all held " +
        "(give heartbeats their own with PlatformClient's livenessDispatcher, long-lived streams " +
        "with streamDispatcher).",
      { code: "heartbeat_late", retryable: true },
    );
    this.workspaceId = workspaceId;
    this.lateByMs = lateByMs;
    this.intervalMs = intervalMs;
  }
}
