// The poll source's own rules, which push delivery has no use for: the cursor (the last activity
// row settled in order), the order of the rows fetched and not yet passed by it, what a first
// start reads (backfill), and the re-read after a `410` (the platform lost the cursor). The rules
// both sources share (ids, de-duplication, delivery counts, the crash journal) are in admit/.
import { ALL_SECS, SettleWindow, backfillSecs, compareRows } from "../../inbound/index.js";
import type {
  Backfill,
  CursorState,
  InboundMessage,
  InboundPage,
  RowPosition,
} from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import { RaceEvidence } from "./race-evidence.js";

/** Margin added to the re-read window after a `410`, for clock skew between agent and platform. */
const REWIND_MARGIN_SECS = 300;

/**
 * The audit's window, in settle windows: rows are read once more until this many settle windows
 * older than the newest read (a minute by default), so a row that commits later than the settle
 * window allowed is still found (and reported as missed).
 */
const AUDIT_WINDOWS = 12;
/** Rows the audit's window holds at most. */
const AUDIT_ROWS = 1_000;
/**
 * An audit pass starts at most once per this many settle windows (30 s by default), and only while
 * its window holds rows the settle window closed: an idle agent makes none.
 */
const AUDIT_EVERY_WINDOWS = 6;

/**
 * Margin of a first start's re-read before its first row, for the difference between this clock
 * (the `since_secs` window is counted back from now) and the platform's.
 */
const FIRST_PASS_MARGIN_MS = 60_000;

/** Rows a first start's window may hold and still be re-read by time (one page of a walk). */
const FIRST_PASS_ROWS = 20;

/** A row fetched and not yet passed by the persisted cursor. */
export interface OrderEntry {
  activityId: string;
  /** When the row was logged (epoch ms), when known. */
  at?: number | undefined;
  /** The row's `seq` (August-2026 servers), when known. */
  seq?: number | undefined;
  settled: boolean;
}

/** Thrown by fetch implementations (or detected via `status === 410`) when the cursor is gone. */
export function isCursorLost(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { status?: unknown }).status === 410;
}

function timeOf(msg: InboundMessage): number | undefined {
  const at = msg.receivedAt instanceof Date ? msg.receivedAt.getTime() : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}

/** What a page read through the windows gave: the rows not read before, and those found missing. */
export interface FreshRows {
  /** The page's messages this reader had not read (a re-read brings the others again). */
  messages: InboundMessage[];
  /**
   * Rows found by an audit pass behind where the settle window had closed the log: they committed
   * later than it allowed, and a plain cursor would have lost them. They are in `messages` too.
   */
  missed: InboundMessage[];
}

/**
 * The cursor of one poll source. The persisted cursor never passes a row that is not settled, and
 * is never dropped: after a `410` it stays (with its time) until a row of the re-read has settled.
 */
export class PollCursor {
  /** The persisted cursor (the last activity id settled in order). */
  cursor: string | undefined;
  /** Where the next fetch reads from (the last row fetched). */
  fetchCursor: string | undefined;
  /** Re-reading after a `410`, and the persisted cursor has not moved since. */
  rewinding = false;
  /** The highest `seq` of a row the cursor passed (what may be acknowledged to the platform). */
  settledSeq: number | undefined;
  /** What a first start reads (the `backfill` option). */
  readonly backfill: Backfill;
  readonly #logger: Logger;
  /** When the cursor's row was logged (epoch ms), when known. */
  #cursorAt: number | undefined;
  /** Without a cursor: read rows logged since this time (epoch ms; -Infinity: everything). */
  #windowFrom = Number.NEGATIVE_INFINITY;
  /** `backfill: "none"` on a first start: skip what is queued, start after the newest row. */
  #skipBacklog = false;
  /** A `backfill: "none"` first start found nothing queued (persisted until there is a cursor). */
  #startedAt: string | undefined;
  /** After a `410`: rows logged before this time were settled before the cursor was lost. */
  #settledBefore: number | undefined;
  /** Rows fetched and not yet passed by the persisted cursor, in the log's order. */
  readonly #order: OrderEntry[] = [];
  /** Where the persisted cursor sits in the log's order. */
  #cursorPos: RowPosition | undefined;
  /** Rows read recently: each pass starts behind them and drops the ones read before. */
  readonly settle: SettleWindow;
  /** Rows read in the last minute: an audit pass re-reads them now and then. */
  readonly #audit: SettleWindow;
  #lastAudit: number;
  #lastSettle = Number.NEGATIVE_INFINITY;
  /** What the passes since the last re-read showed of racing writes: how soon the next comes. */
  readonly #race = new RaceEvidence();
  readonly #now: () => number;

  constructor(
    backfill: Backfill,
    logger: Logger,
    settleMs?: number,
    now: () => number = () => performance.now(),
  ) {
    this.backfill = backfill;
    this.#logger = logger;
    this.#now = now;
    this.settle = new SettleWindow(settleMs, undefined, now);
    this.#audit = new SettleWindow(this.settle.settleMs * AUDIT_WINDOWS, AUDIT_ROWS, now);
    this.#lastAudit = now();
  }

  /** Loads the persisted cursor; without one, what the first fetch reads (`backfill`). */
  load(state: CursorState): void {
    this.cursor = state.cursor;
    const at = state.cursorAt === undefined ? Number.NaN : Date.parse(state.cursorAt);
    this.#cursorAt = Number.isFinite(at) ? at : undefined;
    this.fetchCursor = state.cursor;
    this.#startedAt = state.startedAt;
    this.#cursorPos =
      state.cursor === undefined ? undefined : { id: state.cursor, at: this.#cursorAt };
    // Rows after the settle window's restart point may have been joined by late ones: read from it.
    const fromAt = state.settleFromAt === undefined ? Number.NaN : Date.parse(state.settleFromAt);
    const from =
      state.cursor !== undefined && state.settleFrom !== undefined && Number.isFinite(fromAt)
        ? { id: state.settleFrom, at: fromAt }
        : this.#cursorPos;
    if (from !== undefined) this.fetchCursor = from.id;
    this.settle.seed(from);
    this.#audit.seed(from);
    if (state.cursor === undefined) this.#seedWindow();
  }

  /** No cursor yet: what the first fetch reads, from the `backfill` option. */
  #seedWindow(): void {
    const secs = backfillSecs(this.backfill);
    // After an empty first start (`startedAt`), nothing queued predates it: deliver everything.
    this.#skipBacklog = this.backfill === "none" && this.#startedAt === undefined;
    this.#windowFrom =
      secs === undefined || secs >= ALL_SECS ? Number.NEGATIVE_INFINITY : Date.now() - secs * 1000;
    if (this.backfill !== "all" && this.#startedAt === undefined) {
      this.#logger.info?.(
        this.#skipBacklog
          ? 'no inbound cursor and backfill is "none": messages queued before this start are skipped'
          : "no inbound cursor: delivering only the messages of the backfill window",
        { backfill: this.backfill },
      );
    }
  }

  /**
   * The platform no longer knows the cursor (410, e.g. pruned by retention). Keep the persisted
   * cursor and its time: they stay until a message of the re-read settles, so a stop or crash in
   * between re-reads the same window again. Re-read everything logged since the cursor's row (plus
   * a margin for clock skew), paging forward from there.
   */
  rewind(): void {
    this.rewinding = true;
    this.#settledBefore = this.#cursorAt;
    this.#windowFrom =
      this.#cursorAt === undefined
        ? Number.NEGATIVE_INFINITY
        : this.#cursorAt - REWIND_MARGIN_SECS * 1000;
    this.#logger.warn?.(
      "inbound cursor no longer known to the platform (410); re-reading messages since it, de-duplicated",
      {
        cursor: this.fetchCursor,
        ...(this.#cursorAt !== undefined
          ? { since: new Date(this.#windowFrom).toISOString() }
          : {}),
      },
    );
    this.fetchCursor = undefined;
    this.settle.seed(undefined);
    this.#audit.seed(undefined);
  }

  /**
   * Where a new pass starts: behind the rows read within the settle window (see
   * {@link SettleWindow}), or now and then behind the last minute's rows (an audit pass, which
   * finds a row that committed later than the settle window allowed). `undefined` without a cursor.
   */
  passStart(): string | undefined {
    if (this.fetchCursor === undefined) return undefined;
    const now = this.#now();
    // Re-reading the window costs a page of rows. A row is passed only by a write that races
    // another (it commits after a newer one was read): after a pass that saw writes racing, the
    // window is re-read once per fifth of its length, else once per its length (a row one pass
    // alone may have passed is still read within two lengths of the window). The passes between
    // read on from the newest row; the window closes only at the re-reads.
    const every = this.#race.rereadEveryMs(this.settle.settleMs);
    if (this.settle.size > 0 && now - this.#lastSettle < every) {
      this.#race.readOn();
      return this.fetchCursor;
    }
    this.#lastSettle = now;
    this.#race.reread();
    const settled = this.settle.start();
    const audited = this.#audit.start();
    const audit =
      this.#audit.size > this.settle.size &&
      now - this.#lastAudit >= this.settle.settleMs * AUDIT_EVERY_WINDOWS;
    if (audit) this.#lastAudit = now;
    const window = audit ? this.#audit : this.settle;
    const first = window.first;
    if (window.anchor === undefined && first?.at !== undefined && window.size <= FIRST_PASS_ROWS) {
      // A first start (or a re-read after a 410) whose few rows are all still settling: no row is
      // a place to read after, since one may still land before the first. Read the time window
      // from just before the first (a margin for the clocks), de-duplicated. (Past a few rows, the
      // re-read reads on from the first row: a time window's walk would cost a request a page.)
      const from = first.at - window.settleMs - FIRST_PASS_MARGIN_MS;
      this.#windowFrom = Math.max(this.#windowFrom, from); // never before the backfill window
      this.#skipBacklog = false;
      return (this.fetchCursor = undefined);
    }
    return (this.fetchCursor = (audit ? audited : settled) ?? this.fetchCursor);
  }

  /**
   * How soon the next pass should start at the latest (ms) while rows are still settling (the
   * window is re-read then, so a row committed late is read within it): within its length, or
   * when the next re-read is due if a row was read late or an announced row is behind the newest
   * read; else `undefined`.
   */
  settlingWithinMs(): number | undefined {
    if (this.settle.size === 0) return undefined;
    if (!this.#race.behind) return Math.max(1, this.settle.settleMs);
    return Math.max(
      1,
      this.#race.rereadDueMs(this.#lastSettle, this.settle.settleMs) - this.#now(),
    );
  }

  /**
   * Whether rows the settle window closed are still in the audit's window (rows read within about
   * the last minute): an audit pass may still find a row that committed behind them.
   */
  auditPending(): boolean {
    return this.#audit.size > this.settle.size;
  }

  /**
   * Reads a page's messages through the windows: drops the rows read before (a pass re-reads the
   * window), records the rest and the page's last row (rows that are not messages, such as own
   * notify echoes, close with it).
   */
  fresh(page: InboundPage): FreshRows {
    const messages: InboundMessage[] = [];
    const missed: InboundMessage[] = [];
    let fresh = 0;
    for (const msg of page.messages) {
      const pos = SettleWindow.positionOf(msg);
      if (pos === undefined) {
        messages.push(msg);
        continue;
      }
      const r = this.#readRow(pos);
      if (r === "seen") continue;
      fresh++;
      messages.push(msg);
      if (r === "missed") missed.push(msg);
    }
    const last = page.lastId;
    if (last !== undefined && !this.seen(last)) {
      fresh++;
      this.#readRow({ id: last, at: page.lastAt, seq: page.lastSeq });
    }
    if (this.#race.passEnded(fresh, missed.length, this.settle.lateRows)) {
      this.#logger.debug?.("a row committed out of order was read by the settle window", {
        lateMs: this.settle.lateMs,
        settleMs: this.settle.settleMs,
      });
    }
    return { messages, missed };
  }

  /** Whether row `id` was read and is still in a window (a pass re-reads it, and drops it). */
  seen(id: string): boolean {
    return this.settle.has(id) || this.#audit.has(id);
  }

  /**
   * The event stream announced row `activityId` (it committed): if the next pass that reads on from
   * the newest row does not return it, it is behind that row, and the window is re-read soon.
   */
  announced(activityId: string): void {
    this.#race.announce(activityId, this.seen(activityId));
  }

  /** One row through both windows: read before, new, or found behind the settle window's anchor. */
  #readRow(pos: RowPosition): "seen" | "new" | "missed" {
    this.#race.read(pos.id);
    if (this.seen(pos.id)) return "seen";
    const anchor = this.settle.anchor;
    if (anchor !== undefined && compareRows(pos, anchor) <= 0 && pos.at !== undefined) {
      this.#audit.read(pos);
      return "missed";
    }
    this.settle.read(pos);
    this.#audit.read(pos);
    return "new";
  }

  /**
   * Reads without a cursor (first start, or after a `410`): the backfill or re-read window, or
   * with `backfill: "none"` only the newest row, which the cursor then starts after (`save`
   * persists that before this resolves).
   */
  async fetchWithout(
    fetch: (opts: { sinceSecs?: number; signal: AbortSignal }) => Promise<InboundPage>,
    save: () => Promise<void>,
    signal: AbortSignal,
  ): Promise<InboundPage> {
    if (this.#skipBacklog) {
      const newest = await fetch({ signal });
      this.#skipBacklog = false;
      const lastId = newest.lastId ?? newest.messages.at(-1)?.activityId;
      if (lastId === undefined) {
        // Nothing queued: deliver from now on, also after a restart before the first message.
        this.#startedAt = new Date().toISOString();
        await save();
        return { messages: [] };
      }
      this.cursor = lastId;
      this.#cursorAt = newest.messages.at(-1) ? timeOf(newest.messages.at(-1)!) : undefined;
      this.fetchCursor = lastId;
      this.#cursorPos = { id: lastId, at: newest.lastAt, seq: newest.lastSeq };
      this.settle.seed(this.#cursorPos);
      this.#audit.seed(this.#cursorPos);
      this.#logger.info?.('backfill "none": starting after the newest queued row', {
        cursor: lastId,
        skipped: newest.messages.length,
      });
      await save();
      return { messages: [], lastId };
    }
    const sinceSecs =
      this.#windowFrom === Number.NEGATIVE_INFINITY
        ? ALL_SECS
        : Math.max(0, Math.ceil((Date.now() - this.#windowFrom) / 1000));
    return await fetch({ sinceSecs, signal });
  }

  /** Whether `msg` is a re-read row settled before the cursor was lost (or the cursor's own). */
  settledEarlier(msg: InboundMessage): boolean {
    const aid = msg.activityId;
    if (aid === undefined) return false;
    const at = timeOf(msg);
    const before = this.#settledBefore;
    return aid === this.cursor || (before !== undefined && at !== undefined && at < before);
  }

  /** Puts an admitted row in order: the cursor passes it once it is {@link settle}d. */
  track(msg: InboundMessage): OrderEntry | undefined {
    if (msg.activityId === undefined) return undefined;
    const entry: OrderEntry = {
      activityId: msg.activityId,
      at: timeOf(msg),
      seq: msg.activitySeq,
      settled: false,
    };
    // A row found behind the persisted cursor (an audit pass) is handled, never waited for.
    if (this.#behindCursor(entry)) return undefined;
    this.#insert(entry);
    return entry;
  }

  /** Whether `entry` is the persisted cursor's row or sits before it in the log's order. */
  #behindCursor(entry: OrderEntry): boolean {
    const pos = this.#cursorPos;
    if (pos === undefined || entry.at === undefined) return false;
    if (entry.activityId === pos.id) return true;
    return compareRows({ id: entry.activityId, at: entry.at, seq: entry.seq }, pos) < 0;
  }

  /** Inserts `entry` in the log's order (rows read late go before rows read earlier). */
  #insert(entry: OrderEntry): void {
    const order = this.#order;
    let at = order.length;
    const pos = { id: entry.activityId, at: entry.at, seq: entry.seq };
    while (at > 0 && compareRows({ id: "", ...order[at - 1]! }, pos) > 0) at--;
    order.splice(at, 0, entry);
  }

  /**
   * A page was read up to `lastId`: rows after its last message (own notify echoes) are settled by
   * definition, unless `known` (admitted already) or while re-reading after a 410, where such a
   * row may be older than the persisted cursor.
   */
  read(
    lastId: string | undefined,
    known: (activityId: string) => boolean,
    last?: { at?: number | undefined; seq?: number | undefined },
  ): void {
    if (lastId === undefined || lastId === this.fetchCursor) return;
    const entry: OrderEntry = { activityId: lastId, at: last?.at, seq: last?.seq, settled: true };
    if (
      !this.rewinding &&
      lastId !== this.cursor &&
      !known(lastId) &&
      !this.#order.some((e) => e.activityId === lastId) &&
      !this.#behindCursor(entry)
    ) {
      this.#insert(entry);
    }
    this.fetchCursor = lastId;
  }

  /** Moves the cursor past the settled prefix of the order; true when it moved (save it). */
  advance(): boolean {
    let moved = false;
    while (this.#order.length > 0 && this.#order[0]!.settled) {
      const entry = this.#order.shift()!;
      const pos = { id: entry.activityId, at: entry.at, seq: entry.seq };
      // A late row settles behind the cursor: the cursor never moves back (the settle window's
      // restart point, persisted beside it, covers such rows).
      if (this.#behindCursor(entry)) continue;
      this.cursor = entry.activityId;
      this.#cursorPos = pos;
      if (entry.at !== undefined) this.#cursorAt = entry.at;
      if (entry.seq !== undefined && !(entry.seq <= (this.settledSeq ?? -1)))
        this.settledSeq = entry.seq;
      moved = true;
    }
    if (moved) this.rewinding = false;
    // A restart point that moved is worth a save too (a restart re-reads less).
    return moved || (this.cursor !== undefined && this.#restartFrom()?.id !== this.#savedFrom);
  }

  /** The restart point the last {@link state} carried. */
  #savedFrom: string | undefined;

  /**
   * Where a restart reads from when that is before the cursor: the settle window's anchor (rows
   * after it may still be joined by a late one), else its first row read.
   */
  #restartFrom(): RowPosition | undefined {
    const from = this.settle.anchor ?? this.settle.first;
    const cursor = this.#cursorPos;
    if (from === undefined || cursor === undefined || from.id === cursor.id) return undefined;
    if (from.at === undefined || compareRows(from, cursor) >= 0) return undefined;
    return from;
  }

  /** What it persists. */
  state(): Pick<CursorState, "cursor" | "cursorAt" | "startedAt" | "settleFrom" | "settleFromAt"> {
    if (this.cursor === undefined) {
      return this.#startedAt !== undefined ? { startedAt: this.#startedAt } : {};
    }
    const from = this.#restartFrom();
    this.#savedFrom = from?.id;
    return {
      cursor: this.cursor,
      ...(this.#cursorAt !== undefined ? { cursorAt: new Date(this.#cursorAt).toISOString() } : {}),
      ...(from !== undefined
        ? { settleFrom: from.id, settleFromAt: new Date(from.at!).toISOString() }
        : {}),
    };
  }
}
