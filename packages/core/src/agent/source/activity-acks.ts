// Acknowledging settled activity to the platform (August 2026: `POST .../activity/ack
// {acked_seq}`, 2c5c1950), so it may prune those rows a week later instead of after 30 days.
import { askedWaitMs, describe, ScheduledTask, type Logger } from "../../transport/index.js";
import type { AgentPlatformClient } from "../types.js";
import type { PollCursor } from "./poll-cursor.js";
import type { HeldLease } from "../../store/index.js";

/**
 * Shortest time between two acknowledgements (ms): they only let the platform prune rows sooner,
 * so a busy agent sends one a second with the newest `seq`, not one per settled batch.
 */
const ACK_INTERVAL_MS = 1_000;
/** The wait before a failed acknowledgement is sent again (unless the platform asked for longer). */
const ACK_RETRY_MS = 5_000;

/**
 * Sends the newest settled `seq` once its cursor is saved: one request at a time and at most one
 * per {@link ACK_INTERVAL_MS} (a newer `seq` that arrives meanwhile is sent after it); a platform
 * without the route is not asked again.
 */
export class ActivityAcks {
  readonly #client: AgentPlatformClient;
  readonly #logger: Logger;
  /** The cursor: the newest `seq` it passed (`settledSeq`). */
  readonly #cursor: Pick<PollCursor, "settledSeq">;
  /** The `seq` the platform last took; `null`: it has no such route. */
  #acked: number | null | undefined;
  #sending = false;
  /** When the last acknowledgement was sent (`performance.now()`). */
  #sentAt = -Infinity;
  /** The next acknowledgement, while it waits out the interval. */
  readonly #later = new ScheduledTask(() => this.send(), false);
  /** Aborted when the agent stops (a waiting acknowledgement is dropped: the next start sends it). */
  readonly #signal: AbortSignal;
  /** Asked before each acknowledgement leaves: whether the agent may act (its folder's lease). */
  readonly #lease: HeldLease;

  constructor(
    client: AgentPlatformClient,
    logger: Logger,
    cursor: Pick<PollCursor, "settledSeq">,
    signal: AbortSignal,
    lease: HeldLease,
  ) {
    this.#lease = lease;
    this.#client = client;
    this.#logger = logger;
    this.#cursor = cursor;
    this.#signal = signal;
    signal.addEventListener("abort", () => this.#later.cancel(), { once: true });
  }

  /** Acknowledges up to the newest settled `seq`, unless done, on its way or waiting already. */
  send(): void {
    const signal = this.#signal;
    const seq = this.#cursor.settledSeq;
    const send = this.#client.ackActivity?.bind(this.#client);
    if (!send || seq === undefined || this.#sending || this.#acked === null || signal.aborted)
      return;
    if (this.#acked !== undefined && seq <= this.#acked) return;
    const wait = this.#sentAt + ACK_INTERVAL_MS - performance.now();
    if (wait > 0) {
      if (!this.#later.armed) this.#later.at(wait);
      return;
    }
    this.#sending = true;
    this.#sentAt = performance.now();
    const sent = async (): Promise<boolean> =>
      (await this.#lease.proven()) ? await send(seq, { signal }) : false; // lost: the agent ends
    sent().then(
      (supported) => {
        this.#sending = false;
        this.#acked = supported ? seq : null;
        if (supported) this.send(); // the cursor may have moved on meanwhile
      },
      (err: unknown) => {
        this.#sending = false;
        this.#logger.debug?.("could not acknowledge settled activity (retried later)", {
          error: describe(err),
        });
        // Again after the wait the platform asked for (its rate limit), else in a few seconds.
        const later = Math.max(ACK_RETRY_MS, askedWaitMs(err) ?? 0);
        if (!signal.aborted && !this.#later.armed) this.#later.at(later);
      },
    );
  }
}
