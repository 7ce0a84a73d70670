// The poll source's own rules, which push delivery has no use for: the cursor (the last activity
// row settled in order), the order of the rows fetched and not yet passed by it, what a first
// start reads (backfill), and the re-read after a `410` (the platform lost the cursor). The rules
// both sources share (ids, de-duplication, delivery counts, the crash journal) are in admit/.
import { ALL_SECS, backfillSecs } from "../../inbound/index.js";
import type { Backfill, CursorState, InboundMessage, InboundPage } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";

/** Margin added to the re-read window after a `410`, for clock skew between agent and platform. */
const REWIND_MARGIN_SECS = 300;

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
  /** Rows fetched and not yet passed by the persisted cursor, ascending. */
  readonly #order: OrderEntry[] = [];

  constructor(backfill: Backfill, logger: Logger) {
    this.backfill = backfill;
    this.#logger = logger;
  }

  /** Loads the persisted cursor; without one, what the first fetch reads (`backfill`). */
  load(state: CursorState): void {
    this.cursor = state.cursor;
    const at = state.cursorAt === undefined ? Number.NaN : Date.parse(state.cursorAt);
    this.#cursorAt = Number.isFinite(at) ? at : undefined;
    this.fetchCursor = state.cursor;
    this.#startedAt = state.startedAt;
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
    this.#order.push(entry);
    return entry;
  }

  /**
   * A page was read up to `lastId`: rows after its last message (own notify echoes) are settled by
   * definition, unless `known` (admitted already) or while re-reading after a 410, where such a
   * row may be older than the persisted cursor.
   */
  read(lastId: string | undefined, known: (activityId: string) => boolean): void {
    if (lastId === undefined || lastId === this.fetchCursor) return;
    if (!this.rewinding && !known(lastId) && !this.#order.some((e) => e.activityId === lastId)) {
      this.#order.push({ activityId: lastId, settled: true });
    }
    this.fetchCursor = lastId;
  }

  /** Moves the cursor past the settled prefix of the order; true when it moved (save it). */
  advance(): boolean {
    let moved = false;
    while (this.#order.length > 0 && this.#order[0]!.settled) {
      const entry = this.#order.shift()!;
      this.cursor = entry.activityId;
      if (entry.at !== undefined) this.#cursorAt = entry.at;
      if (entry.seq !== undefined && !(entry.seq <= (this.settledSeq ?? -1)))
        this.settledSeq = entry.seq;
      moved = true;
    }
    if (moved) this.rewinding = false;
    return moved;
  }

  /** What it persists. */
  state(): Pick<CursorState, "cursor" | "cursorAt" | "startedAt"> {
    if (this.cursor === undefined) {
      return this.#startedAt !== undefined ? { startedAt: this.#startedAt } : {};
    }
    return {
      cursor: this.cursor,
      ...(this.#cursorAt !== undefined ? { cursorAt: new Date(this.#cursorAt).toISOString() } : {}),
    };
  }
}
