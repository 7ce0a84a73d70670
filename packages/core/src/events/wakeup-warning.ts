// A failed event-stream probe (a timeout under a burst of starts, a reset) leaves a poll agent
// without event wake-ups: messages then wait for the next poll. Said loudly, never silently.
import { MoleculeError } from "../../transport/index.js";

/** Emitted (a logger warning plus a process warning) when a poll agent starts without wake-ups. */
export class EventWakeupsUnavailableWarning extends MoleculeError {
  /** The workspace whose agent runs without event wake-ups. */
  readonly workspaceId: string;
  /** The poll interval messages now arrive on, in ms. */
  readonly pollIntervalMs: number;
  /** Why the probe failed. */
  readonly reason: string;

  constructor(workspaceId: string, pollIntervalMs: number, reason: string) {
    super(
      `workspace ${workspaceId}: the event-stream probe failed (${reason}), so the agent runs ` +
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
