// The crash journal of polled messages, part of the admit stage (`Admission.journal`): a polled row
// is admitted once (its activity id neither settled recently nor being handled), journaled as in
// flight before its handler runs, and its deliveries are counted from the journal a previous run
// left (a row in flight when its process died comes back with one more delivery, which
// `Admission.overDelivered` holds against the delivery limit). Persisted with the poll cursor
// (`CursorState.seenActivityIds` and `inFlight`). A pushed message's deliveries are counted by the
// store's claim instead (store-claims.ts); both then share `Admission.once` (messageId).
import { BoundedSet } from "../../inbound/index.js";
import type { CursorState, InFlightEntry, InboundMessage } from "../../inbound/index.js";

/** The key `msg` is journaled under: its activity id, else its messageId. */
function keyOf(msg: InboundMessage): string | undefined {
  return msg.activityId ?? msg.messageId;
}

/** See the file comment. */
export class PollJournal {
  /** The de-duplication window of settled activity ids. */
  readonly #settled: BoundedSet;
  /** Activity ids admitted and not yet settled or released. */
  readonly #pending = new Set<string>();
  /** Journaled as in flight by a previous run: delivered again with `redelivered: true`. */
  readonly #previous = new Map<string, InFlightEntry>();
  /** Handed to a handler in this run and not yet durably settled. */
  readonly #started = new Map<string, InFlightEntry>();

  /** @param dedupWindow how many settled activity ids to remember */
  constructor(dedupWindow: number) {
    this.#settled = new BoundedSet(dedupWindow);
  }

  /** Loads the settled activity ids and the previous run's in-flight entries. */
  load(state: CursorState): void {
    for (const id of state.seenActivityIds ?? []) this.#settled.add(id);
    for (const e of state.inFlight ?? []) {
      const key = e.activityId ?? e.messageId;
      if (key !== undefined) this.#previous.set(key, e);
    }
  }

  /** Whether the row `activityId` settled recently or is being handled. */
  knows(activityId: string): boolean {
    return this.#settled.has(activityId) || this.#pending.has(activityId);
  }

  /**
   * Admits a polled row and returns its deliveries (1, or one more than a previous run journaled);
   * it is then pending until {@link settle} or {@link release}. Returns `undefined` for a row
   * known already, and for one the cursor says `settledEarlier` (remembered as settled).
   */
  admit(msg: InboundMessage, settledEarlier: boolean): number | undefined {
    const aid = msg.activityId;
    if (aid !== undefined) {
      if (this.knows(aid)) return undefined;
      if (settledEarlier) {
        this.#settled.add(aid);
        return undefined;
      }
      this.#pending.add(aid);
    }
    const previous =
      (aid !== undefined ? this.#previous.get(aid) : undefined) ??
      this.#previousMessage(msg.messageId);
    return previous ? (previous.deliveries ?? 1) + 1 : 1;
  }

  /** Journals `msg` as in flight (written by the next save, before its handler runs). */
  start(msg: InboundMessage, deliveries: number): void {
    const key = keyOf(msg);
    if (key === undefined) return;
    const { activityId, messageId } = msg;
    this.#started.set(key, {
      ...(activityId !== undefined ? { activityId } : {}),
      ...(messageId !== undefined ? { messageId } : {}),
      deliveries,
    });
  }

  /** `msg` never started (the agent stopped while it was being journaled). */
  unstart(msg: InboundMessage): void {
    const key = keyOf(msg);
    if (key !== undefined) this.#started.delete(key);
  }

  /** `msg` settled: its activity id is remembered and it leaves the journal. */
  settle(msg: InboundMessage): void {
    const { activityId: aid, messageId: mid } = msg;
    if (aid !== undefined) {
      this.#settled.add(aid);
      this.#previous.delete(aid);
    }
    if (mid !== undefined) {
      for (const [k, e] of this.#previous) if (e.messageId === mid) this.#previous.delete(k);
    }
    this.unstart(msg);
  }

  /** `msg` is no longer handled here (settled, or left for the next run). */
  release(msg: InboundMessage): void {
    if (msg.activityId !== undefined) this.#pending.delete(msg.activityId);
  }

  /** The activity ids settled recently, oldest first (what a checkpoint names past its cursor). */
  settledIds(): readonly string[] {
    return this.#settled.toArray();
  }

  /** Marks rows settled (those a checkpoint named past its cursor: never handed over again). */
  settleAll(activityIds: readonly string[]): void {
    for (const id of activityIds) this.#settled.add(id);
  }

  /**
   * What it persists with the cursor. The window is the set's own array until it changes (a saved
   * state is kept as it is), so a save that changed nothing in it copies nothing.
   */
  state(): Pick<CursorState, "seenActivityIds" | "inFlight"> {
    const seenActivityIds = this.#settled.toArray() as string[];
    // Once a previous run's entries are settled (soon after a start), no merge to make.
    let inFlight: Map<string, InFlightEntry> = this.#started;
    if (this.#previous.size > 0) {
      inFlight = new Map(this.#previous);
      for (const [k, e] of this.#started) inFlight.set(k, e);
    }
    return inFlight.size > 0
      ? { seenActivityIds, inFlight: [...inFlight.values()] }
      : { seenActivityIds };
  }

  #previousMessage(mid: string | undefined): InFlightEntry | undefined {
    if (mid === undefined) return undefined;
    for (const e of this.#previous.values()) if (e.messageId === mid) return e;
    return undefined;
  }
}
