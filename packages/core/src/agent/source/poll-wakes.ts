// What wakes a poll loop, and whether a read answered it. Each row the event stream announces and
// the agent cannot take without a read (a message whose sender it cannot name yet, one beyond the
// queue's bound, a canvas message, ...) wakes the poll, and under a spent rate budget many come
// while one read waits for its turn: a read that brings them all answers every wake they made, so
// it is not followed by another for them (on the emulator at the platform's limit, issue 100's
// shape: 74 such wakes, and 72 reads while the agents' own calls awaited answers, most of them
// bringing nothing new). Any other wake (a resume, a freed handler slot, a reconnect) is owed a
// read of its own.
import { MAX_ID_LENGTH } from "../../a2a/index.js";
import { type InboundMessage, Waker, messageKey } from "../../inbound/index.js";

/** Rows remembered, beyond which a row's wake counts as one no read can be shown to answer. */
const MAX_WANTED = 1_024;

/**
 * The longest key remembered: a sender's id and a message id the agent admits (a longer one is
 * refused where it enters, so no read brings it; its wake is kept as one no row explains).
 */
const MAX_KEY_LENGTH = MAX_ID_LENGTH + 256;

/** The wake-ups of one poll loop (see the file comment). */
export class PollWakes {
  readonly #waker = new Waker();
  /** The rows whose wakes came since the last read started, by their message's key. */
  readonly #wanted = new Set<string>();
  /** A wake no row explains came since the last read started. */
  #other = false;

  /** Something woke the poll: a read is owed. */
  wake(): void {
    this.#other = true;
    this.#waker.wake();
  }

  /**
   * A row announced from `sourceId` (its message's `messageId`, when the event names it) that the
   * agent could not take without a read woke the poll: a read that brings it answers this wake.
   */
  wakeFor(sourceId: string | undefined, messageId: string | undefined): void {
    const key = messageId && messageKey({ sourceId: sourceId ?? null, messageId });
    if (!key || key.length > MAX_KEY_LENGTH || this.#wanted.size >= MAX_WANTED) this.#other = true;
    else this.#wanted.add(key);
    this.#waker.wake();
  }

  /** Waits for `ms` or a wake (or `signal`); true when woken (see `Waker.wait`). */
  wait(ms: number, signal: AbortSignal): Promise<boolean> {
    return this.#waker.wait(ms, signal);
  }

  /** A read starts: the wakes before it are its own to answer. */
  readStarted(): void {
    this.#other = false;
  }

  /**
   * A read returned with `messages`; `known`: whether a message's key is already in the agent's
   * hands (read or taken before). A wake that came since it started is forgotten unless a read is
   * still owed: for a row it did not bring (one logged after its query), or a wake no row explains.
   */
  readDone(messages: readonly InboundMessage[], known: (key: string) => boolean): void {
    if (this.#wanted.size > 0) this.#brought(messages, known);
    if (!this.#other && this.#wanted.size === 0) this.#waker.clear();
  }

  /** Forgets the rows wanted that `messages` brought or the agent already has. */
  #brought(messages: readonly InboundMessage[], known: (key: string) => boolean): void {
    for (const msg of messages) {
      const key = messageKey(msg);
      if (key !== undefined) this.#wanted.delete(key);
    }
    for (const key of this.#wanted) if (known(key)) this.#wanted.delete(key);
  }
}
