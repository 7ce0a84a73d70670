// Acknowledging settled activity to the platform (August 2026: `POST .../activity/ack
// {acked_seq}`, 2c5c1950), so it may prune those rows a week later instead of after 30 days.
import { describe, type Logger } from "../../transport/index.js";
import type { AgentPlatformClient } from "../types.js";
import type { PollCursor } from "./poll-cursor.js";

/**
 * Sends the newest settled `seq` once its cursor is saved: one request at a time (a newer `seq`
 * that arrives meanwhile is sent after it); a platform without the route is not asked again.
 */
export class ActivityAcks {
  readonly #client: AgentPlatformClient;
  readonly #logger: Logger;
  /** The cursor: the newest `seq` it passed (`settledSeq`). */
  readonly #cursor: Pick<PollCursor, "settledSeq">;
  /** The `seq` the platform last took; `null`: it has no such route. */
  #acked: number | null | undefined;
  #sending = false;

  constructor(client: AgentPlatformClient, logger: Logger, cursor: Pick<PollCursor, "settledSeq">) {
    this.#client = client;
    this.#logger = logger;
    this.#cursor = cursor;
  }

  /** Acknowledges up to the newest settled `seq`, unless done or on its way already. */
  send(signal: AbortSignal): void {
    const seq = this.#cursor.settledSeq;
    const send = this.#client.ackActivity?.bind(this.#client);
    if (!send || seq === undefined || this.#sending || this.#acked === null || signal.aborted)
      return;
    if (this.#acked !== undefined && seq <= this.#acked) return;
    this.#sending = true;
    send(seq, { signal }).then(
      (supported) => {
        this.#sending = false;
        this.#acked = supported ? seq : null;
        if (supported) this.send(signal); // the cursor may have moved on meanwhile
      },
      (err: unknown) => {
        this.#sending = false;
        this.#logger.debug?.("could not acknowledge settled activity (retried later)", {
          error: describe(err),
        });
      },
    );
  }
}
