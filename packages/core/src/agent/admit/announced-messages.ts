// The admit stage's record of the messages a poll agent takes from its event stream instead of a
// read (the poll source takes them, `PollSource.onWake`): the platform's
// `ACTIVITY_LOGGED` carries the row's `request_body` since 2026-05 (enteros-core c91c09dc;
// `activity.go` 1171-1214 at aeec8e47), the row itself committed before the event is sent, and
// `source_id` is the sender the platform authenticated (the stream is the workspace's own, by its
// token). A message so taken enters the poll queue as a read row does (journaled in flight before
// its handler runs, de-duplicated by messageId within its sender), just without its row's id; the
// read that later brings the row settles it without running it again (`Admission.once`). What is
// not taken waits for that read: an event without a body (2026-04, or past the stream's bound), a
// message without a messageId, an answer (the router's), one while the queue is full.
//
// Their rows are read later: once half as many are unread as the checkpoint names, or as the
// de-duplication window holds (so that neither a start from the checkpoint nor the read itself runs
// one again), or by the next read.
import type { InboundMessage } from "../../inbound/index.js";
import { BoundedSet, messageKey } from "../../inbound/index.js";

/** Messages from the stream whose rows are unread at which a read is owed, at most. */
const UNREAD_PER_READ = 100;

/** The messages taken from the event stream, and which of them settled. */
export class AnnouncedMessages {
  /** Taken (messageKey): the platform announces a message twice, and it is taken once. */
  readonly #taken = new BoundedSet(1_000);
  /** The last of them that settled, for the checkpoint (their rows the cursor may not pass yet). */
  readonly #settled: BoundedSet;
  /** Taken ever; and of them, how many a read that began later brought. */
  #takenCount = 0;
  #readCount = 0;
  /** Unread at which a read is owed (see the file comment). */
  readonly #readEvery: number;

  /**
   * `keep`: how many settled ones the checkpoint names; `window`: how many settled messageIds the
   * admit stage remembers (`Admission.seen`).
   */
  constructor(keep: number, window: number) {
    this.#settled = new BoundedSet(keep);
    this.#readEvery = Math.max(
      1,
      Math.min(UNREAD_PER_READ, Math.floor(Math.min(keep, window) / 2)),
    );
  }

  /** Whether `msg` was taken before (the platform announces a message twice). */
  takenBefore(msg: InboundMessage): boolean {
    const key = messageKey(msg);
    return key !== undefined && this.#taken.has(key);
  }

  /**
   * Takes `msg` (parsed from an event, `parseAnnouncedRow`): a message, never an answer, with a
   * messageId; false for anything else, which waits for the read.
   */
  take(msg: InboundMessage): boolean {
    const key = messageKey(msg);
    if (msg.isReply || key === undefined) return false;
    this.#taken.add(key);
    this.#takenCount++;
    return true;
  }

  /** A message without a row's id settled (one taken from the stream): the checkpoint names it. */
  settled(msg: InboundMessage): void {
    const key = messageKey(msg);
    if (key !== undefined && this.#taken.has(key)) this.#settled.add(key);
  }

  /** Whether a read is owed for the rows of the messages taken (see the file comment). */
  get readOwed(): boolean {
    return this.#takenCount - this.#readCount >= this.#readEvery;
  }

  /**
   * A read begins; call the result once its last page is read: it brought the row of every
   * message taken before it began.
   */
  readStarted(): () => void {
    const taken = this.#takenCount;
    return () => void (this.#readCount = Math.max(this.#readCount, taken));
  }

  /** The last messages taken that settled (`messageKey`), oldest first. */
  settledKeys(): readonly string[] {
    return this.#settled.toArray();
  }
}
