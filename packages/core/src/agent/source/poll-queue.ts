// The queue of one poll source's admitted messages and the handler slots they take: at most
// `concurrency` journaled in flight at once, each journaled as in flight (persisted) before it is
// handed to the stages (poll-stages.ts), a redelivered message run alone until it settles (#29),
// and a settled one lets the cursor move. The page loop and the cursor are the poll source's.
import { type InboundMessage, messageKey } from "../../inbound/index.js";
import { type Logger, describe } from "../../transport/index.js";
import type { PollJournal } from "../admit/poll-journal.js";
import type { OrderEntry, PollCursor } from "./poll-cursor.js";

/** How a polled message came: again after a run that died (`redelivered`), and how often. */
export interface PollDelivery {
  redelivered: boolean;
  deliveries?: number;
}

/** What a queued message is handed to: the agent's stages (`PollStages`, poll-stages.ts). */
export interface PollHandler {
  /** Hands `msg` on, or settles it; "abandoned" when the agent stopped before it settled. */
  handle(msg: InboundMessage, info: PollDelivery): Promise<"settled" | "abandoned">;
}

/** The poll a queue serves: it persists the journal with its cursor and reads the next page. */
export interface QueuedPoll {
  /** Writes the poll state (the journal with the cursor) and resolves once it is written. */
  save(): Promise<void>;
  /**
   * `msg` settled: moves the cursor past the settled prefix of the rows (saved when it moved), or
   * records one taken from the event stream (no row id) for the checkpoint.
   */
  settled(msg: InboundMessage): void;
  /** Room is free: the loop reads on if it skipped a read for want of it. */
  slotFreed(): void;
  /**
   * Whether a read row's message settled already under its messageId (taken from the event
   * stream, or a resend): it then settles with no handler slot and no write of its own.
   */
  settledAlready(msg: InboundMessage): boolean;
}

/** A message accepted for handling and not yet handed to `handle`. */
interface Job {
  msg: InboundMessage;
  entry: OrderEntry | undefined;
  /** Unsettled hand-overs so far (journaled by previous runs), this one included. */
  deliveries: number;
  /**
   * A message taken from the event stream (no row id): its key (`messageKey`), and the rows of it
   * a read brought while it was queued or running, which settle with it and take no slot.
   */
  key?: string;
  rows?: Array<{ msg: InboundMessage; entry: OrderEntry | undefined }>;
}

/** The admitted messages of one poll source, waiting for a handler slot or running in one. */
export class PollQueue {
  readonly #poll: QueuedPoll;
  readonly #journal: PollJournal;
  readonly #cursor: PollCursor;
  readonly #stages: PollHandler;
  readonly #maxInFlight: number;
  readonly #logger: Logger;
  /** Aborted when the poll source stops: nothing more starts. */
  readonly #signal: AbortSignal;
  /** Admitted messages waiting for a slot, ascending. */
  readonly #queue: Job[] = [];
  /** The messages taken from the event stream queued or running, by `messageKey`. */
  readonly #announced = new Map<string, Job>();
  #running = 0;
  /** A redelivered message (in flight when a previous run died) runs alone until it settles:
   * only the one that crashes accrues deliveries, never a bystander (#29). */
  #alone = false;

  constructor(
    poll: QueuedPoll,
    journal: PollJournal,
    cursor: PollCursor,
    stages: PollHandler,
    limits: { maxInFlight: number; logger: Logger; signal: AbortSignal },
  ) {
    this.#poll = poll;
    this.#journal = journal;
    this.#cursor = cursor;
    this.#stages = stages;
    this.#maxInFlight = limits.maxInFlight;
    this.#logger = limits.logger;
    this.#signal = limits.signal;
  }

  /** Admitted messages waiting for a handler slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Hands `msg` to the admit stage's journal; queues it unless known, settled earlier, or settled
   * already under its messageId.
   */
  accept(msg: InboundMessage): void {
    const earlier = this.#cursor.settledEarlier(msg);
    const deliveries = this.#journal.admit(msg, earlier);
    if (deliveries === undefined) return;
    const entry = this.#cursor.track(msg);
    const key = messageKey(msg);
    const same = key === undefined ? undefined : this.#announced.get(key);
    if (same !== undefined && msg.activityId !== undefined) {
      // Its message, taken from the event stream, is queued or running: the row settles with it.
      (same.rows ??= []).push({ msg, entry });
      return;
    }
    if (deliveries === 1 && this.#poll.settledAlready(msg)) {
      // Settled before under its messageId: the cursor passes it with the read's own save.
      if (entry) entry.settled = true;
      this.#journal.settle(msg);
      this.#journal.release(msg);
      return;
    }
    const job: Job = { msg, entry, deliveries };
    if (msg.activityId === undefined && key !== undefined)
      this.#announced.set((job.key = key), job);
    this.#queue.push(job);
  }

  /** The poll source stopped: queued messages are left for the next run (not handled here). */
  clear(): void {
    for (const job of this.#queue.splice(0)) this.#release(job);
  }

  /**
   * Starts queued messages while fewer than `maxInFlight` are in flight: journals them as in
   * flight, waits until that is persisted (a crash is then detectable), then hands them over.
   */
  async pump(): Promise<void> {
    const batch: Job[] = [];
    while (!this.#signal.aborted && this.#running < this.#maxInFlight && !this.#alone) {
      const next = this.#queue[0];
      if (!next) break;
      if (next.deliveries > 1) {
        if (this.#running > 0) break; // it waits until it can run alone
        this.#alone = true;
      }
      const job = this.#queue.shift()!;
      this.#running++;
      this.#journal.start(job.msg, job.deliveries);
      batch.push(job);
    }
    if (batch.length === 0) return;
    if (this.#queue.length === 0) this.#poll.slotFreed(); // the loop reads on if it was starved
    await this.#poll.save();
    let dropped = false;
    for (const job of batch) {
      if (this.#signal.aborted) {
        // Stopped while journaling: never started, so not in flight.
        this.#running--;
        if (job.deliveries > 1) this.#alone = false;
        this.#journal.unstart(job.msg);
        this.#release(job);
        dropped = true;
      } else {
        this.#begin(job);
      }
    }
    if (dropped) await this.#poll.save();
  }

  #begin(job: Job): void {
    void this.#stages
      .handle(job.msg, { redelivered: job.deliveries > 1, deliveries: job.deliveries })
      .catch((err: unknown) => {
        this.#logger.error?.("inbound handler pipeline failed unexpectedly", {
          error: describe(err),
        });
        return "abandoned" as const;
      })
      .then((r) => {
        if (r === "settled") {
          for (const row of [job, ...(job.rows ?? [])]) {
            if (row.entry) row.entry.settled = true;
            this.#journal.settle(row.msg);
            this.#poll.settled(row.msg);
          }
          void this.#poll.save();
        }
        // The slot frees now: the next message's in-flight entry is written with this settle (one
        // turn's saves share a write), and that message starts once the write is done.
        this.#running--;
        if (job.deliveries > 1) this.#alone = false;
        this.#release(job);
        void this.pump();
        this.#poll.slotFreed();
      });
  }

  /** `job` is no longer handled here (settled, or left for the next run), nor its rows. */
  #release(job: Job): void {
    if (job.key !== undefined) this.#announced.delete(job.key);
    for (const row of job.rows ?? []) this.#journal.release(row.msg);
    this.#journal.release(job.msg);
  }
}
