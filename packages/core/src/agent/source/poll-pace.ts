// How often an agent's poll reads, and in which class of the rate budget each read waits: a read
// while the agent's own calls await answers brings answers (it waits with new calls for at most
// 20 s first, so that under a spent budget it brings several, and goes at once once 10 answers are
// announced unread); one something woke (an event, a freed handler slot, a full page) brings
// messages that callers await answers to: it waits with new calls for at most 30 s, then goes
// before them (behind them all, a caller's burst of questions would all be sent before the first is
// read; before each of them, every question would cost a read of its own: waiting a while, one read
// brings several). The 30 s count from when it was first asked: a read has 25 s for its turn (the
// default 30 s timeout, less the time kept to send it), so one refused unsent is asked again with
// the time it already waited. The re-read of rows still settling is work like a new call; the timed
// safety-net read while the event stream is up only guards against a missed event.
import { inRateClass, isMoleculeError, platformSecond, promoteNow } from "../../transport/index.js";

/**
 * The platform seconds a woken read waits with new calls before it goes before them, counted from
 * when it was first asked (it may be refused unsent and asked again meanwhile).
 */
export const WOKEN_READ_WAIT_S = 30;

/**
 * The platform seconds before the first awaiting call's deadline at which a read that brings
 * answers goes before the answers waiting to be sent (class `collect`): until then it waits behind
 * them and reads the more answers at once; after, one read brings every answer already logged,
 * which would otherwise wait past their callers' deadlines behind replies that bring one each.
 */
export const COLLECT_BEFORE_DUE_S = 20;

/**
 * The platform seconds a read that brings answers waits with new calls before it goes before them
 * (class `read`): while the budget is spent, answers logged meanwhile come in the same read, so 20
 * agents awaiting answers do not spend a request per answer each (one that waited for a turn
 * behind them all brings every answer logged by then); while it is not, it goes at once.
 */
export const READ_GATHER_S = 20;

const GATHER = { afterS: READ_GATHER_S, to: "read" } as const;

/**
 * The platform seconds at most a read that brings answers waits before it goes to `collect`,
 * whatever the deadline, counted from when it was first asked (refused unsent and asked again, it
 * keeps its time): what it waits for a default 120 s call (20 s with new calls, then behind the
 * replies until 20 s before the deadline). A longer call's read would otherwise wait behind new
 * calls and replies until its own deadline nears (each time it was refused, from the start), and
 * its answers all arrive at once at the end.
 */
export const COLLECT_WITHIN_S = 100;

/**
 * Rows from peers the agent awaits answers from that the event stream announced since the last
 * read, at which a read that brings answers goes at once (class `collect`), whatever its time: a
 * read that brings this many costs a tenth of a request each, and the answers already logged would
 * otherwise wait unread for up to {@link COLLECT_WITHIN_S} (with long calls, most answers reached
 * their callers only at the next read, 75-100 s apart). Others' questions do not count: in issue
 * 100's shape each agent's burst of them would send its read ahead of the replies.
 */
export const ROWS_PER_READ = 10;

/**
 * The platform seconds at least between two reads in class `collect`: each answer logged wakes the
 * poll, and a read at once for each would spend a request per answer; so they gather.
 */
export const COLLECT_EVERY_S = 5;

/**
 * While the event stream is connected (it pings every 15 s, wakes the poll when a message lands and
 * tells of a pause or removal), the safety-net read runs this many times less often: every 5
 * minutes at the default 5 s (an idle agent's requests are then mostly its heartbeats).
 */
const CONNECTED_SLOWDOWN = 60;

/**
 * Likewise while rows read in about the last minute may still be joined by one committed behind
 * them (the cursor's audit is pending): every 30 s at the default 5 s, so the audit pass that
 * finds such a row runs within its period, as it did before the idle pace (an idle agent has no
 * such rows).
 */
const CONNECTED_AUDIT_SLOWDOWN = 6;

/** Likewise for the state check: every 10 minutes at the default 30 s interval. */
export const CONNECTED_STATE_SLOWDOWN = 20;

/** The pace and the rate classes of one poll loop's reads. */
export class PollPace {
  readonly #intervalMs: number;
  readonly #connected: () => boolean;
  /** The signal of a woken read whose time with new calls is up (class `read`). */
  readonly #answers: AbortSignal;
  /** The signal of reads something woke (class `request`, `read` after a while). */
  readonly #woken: AbortSignal;
  /** The signal of reads that bring answers to calls with no deadline (`request`, then `read`). */
  readonly #gathering: AbortSignal;
  /** The signal of the re-read of rows still settling (class `request`, with new calls). */
  readonly #settling: AbortSignal;
  /** The signal of the safety-net read (class `background`). */
  readonly #timed: AbortSignal;

  readonly #settlingWithinMs: () => number | undefined;
  readonly #auditPending: () => boolean;
  readonly #signal: AbortSignal;
  /** When a read last went straight to class `collect` (monotonic ms). */
  #collectedAt = Number.NEGATIVE_INFINITY;
  /**
   * When the woken read or the read of answers now being asked was first asked (monotonic ms), if
   * the last read was one: refused unsent, the next read keeps that time (a read brings the whole
   * inbox, whatever asked it).
   */
  #askedAt: number | undefined;
  /** When the read still owed was first asked: the last one was refused unsent. */
  #owedSince: number | undefined;
  /**
   * Rows the event stream announced since the last read returned, by their message's id or their
   * own (the August server announces a message twice), up to {@link ROWS_PER_READ}.
   */
  readonly #unread = new Set<string | symbol>();
  /** The signal of the read of answers now asked, until it moved up to `collect`. */
  #gatheringRead: AbortSignal | undefined;

  /**
   * `signal`: the loop's (it aborts both signals of the reads); `settlingWithinMs`: when rows read
   * are to be read again (the cursor's settle window), if any are; `auditPending`: whether the
   * cursor's audit may still find a row committed late (`PollCursor.auditPending`).
   */
  constructor(
    intervalMs: number,
    connected: () => boolean,
    settlingWithinMs: () => number | undefined,
    auditPending: () => boolean,
    signal: AbortSignal,
  ) {
    this.#intervalMs = intervalMs;
    this.#connected = connected;
    this.#settlingWithinMs = settlingWithinMs;
    this.#auditPending = auditPending;
    this.#signal = signal;
    this.#answers = inRateClass(AbortSignal.any([signal]), "read");
    this.#woken = inRateClass(AbortSignal.any([signal]), "request", {
      afterS: WOKEN_READ_WAIT_S,
      to: "read",
    });
    this.#gathering = inRateClass(AbortSignal.any([signal]), "request", GATHER);
    this.#settling = inRateClass(AbortSignal.any([signal]), "request");
    this.#timed = inRateClass(AbortSignal.any([signal]), "background");
  }

  /** The poll's own interval (`pollIntervalMs`). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The timed read's interval: much slower while the event stream wakes the reads. */
  readIntervalMs(): number {
    if (!this.#connected()) return this.#intervalMs;
    const slowdown = this.#auditPending() ? CONNECTED_AUDIT_SLOWDOWN : CONNECTED_SLOWDOWN;
    return this.#intervalMs * slowdown;
  }

  /** The wait before the next read unless something wakes it: rows settling are read again sooner. */
  delayMs(): number {
    return Math.min(this.readIntervalMs(), this.#settlingWithinMs() ?? Infinity);
  }

  /**
   * The signal of the next read: while this agent's own calls await answers (`awaiting`) that a
   * read may bring, that of a read bringing answers (moving up to `collect`
   * {@link COLLECT_BEFORE_DUE_S} before `dueAt`, the first awaiting call's deadline); a read brings
   * none while the event stream is up and has announced no row from an awaited peer that the
   * agent could not take from its event (answers come with their events: a read of answers then
   * took the turns of the replies it waited on, 20-42 in the minute before their deadline on the
   * real server); when something woke it (`woken`: the waker, a next page), a woken
   * read's (asked again after a refusal: with the time it waited, see {@link refusedMs}); else the
   * safety net's when no rows are settling and the event stream is up; else that of the settle
   * window's re-read, which waits with new calls.
   */
  signalOf(woken: boolean, awaiting: boolean, dueAt?: number): AbortSignal {
    const owed = this.#owedSince;
    this.#owedSince = this.#askedAt = this.#gatheringRead = undefined;
    if (awaiting && !(this.#connected() && this.#unread.size === 0))
      return this.#answersDue(dueAt, owed);
    if (woken) {
      const now = performance.now();
      this.#askedAt = owed ?? now;
      if (owed === undefined) return this.#woken;
      const leftS = WOKEN_READ_WAIT_S - (now - owed) / platformSecond.ms;
      // Its time with new calls is up: it goes with the reads that bring answers.
      if (leftS <= 0) return this.#answers;
      const promotion = { afterS: leftS, to: "read" } as const;
      return inRateClass(AbortSignal.any([this.#signal]), "request", promotion);
    }
    const timed = this.#settlingWithinMs() === undefined && this.#connected();
    return timed ? this.#timed : this.#settling;
  }

  /**
   * A read bringing answers: it waits with new calls for at most {@link READ_GATHER_S} (so it
   * brings several answers at once while the budget is spent, and goes at once while it is not),
   * then goes before them, moving up to `collect` as the first awaiting call's deadline nears (or
   * {@link COLLECT_WITHIN_S} after it was first asked, if sooner: asked again after a refusal, it
   * keeps that time), and not sooner than {@link COLLECT_EVERY_S} after the last read that did.
   */
  #answersDue(dueAt: number | undefined, owedSince: number | undefined): AbortSignal {
    if (dueAt === undefined) return (this.#gatheringRead = this.#gathering);
    const now = performance.now();
    const second = platformSecond.ms;
    // Counted from when it was first asked: a read refused unsent (its 25 s for a turn passed
    // while it gathered) is asked again with the time it already waited.
    this.#askedAt = owedSince ?? now;
    const waitedS = (now - this.#askedAt) / second;
    const leftS = Math.max(
      Math.min((dueAt - now) / second - COLLECT_BEFORE_DUE_S, COLLECT_WITHIN_S - waitedS),
      (this.#collectedAt + COLLECT_EVERY_S * second - now) / second,
    );
    const signal = AbortSignal.any([this.#signal]);
    if (leftS <= 0 || this.#unread.size >= ROWS_PER_READ) {
      this.#collectedAt = now;
      return inRateClass(signal, "collect");
    }
    this.#gatheringRead = signal;
    if (leftS <= READ_GATHER_S)
      return inRateClass(signal, "request", { afterS: leftS, to: "collect" });
    const collect = { afterS: leftS - READ_GATHER_S, to: "collect" } as const;
    return inRateClass(signal, "request", { ...GATHER, next: collect });
  }

  /**
   * The event stream announced a row from a peer this agent awaits an answer from (`key`: its
   * message's id or its own, when the event names one): once {@link ROWS_PER_READ} wait unread,
   * the read of answers now asked moves up at once (to `collect`, or `read` for calls with no
   * deadline).
   */
  announced(key?: string): void {
    if (this.#unread.size < ROWS_PER_READ) this.#unread.add(key ?? Symbol());
    const read = this.#gatheringRead;
    if (read === undefined || this.#unread.size < ROWS_PER_READ) return;
    this.#gatheringRead = undefined;
    this.#collectedAt = performance.now();
    promoteNow(read);
  }

  /** A read returned: the rows announced before it are read. */
  readDone(): void {
    this.#unread.clear();
    this.#gatheringRead = undefined;
  }

  /**
   * After a read the rate budget refused unsent (`rate_limited`: its turn could not come in time),
   * the wait before it asks again (the poll's interval); `undefined` for any other failure. A woken
   * read asked again keeps the time it has waited with new calls.
   */
  refusedMs(err: unknown): number | undefined {
    if (!isMoleculeError(err, "rate_limited")) return undefined;
    this.#owedSince = this.#askedAt;
    return this.#intervalMs;
  }
}
