// The settle window of a reader of the activity log, written once for every reader that pages it
// with `since_id` (the agent's poll loop, the PostgreSQL shared poll).
//
// The platform stamps a row's `created_at` when its write starts (`now()`, enteros-core aeec8e47
// `handlers/activity.go` LogActivity) and the row becomes visible when the write commits; writes
// to one workspace wait on its row lock, so under concurrent writes a row can become visible after
// a row with a later `(created_at, seq)` was read. `since_id` returns rows strictly after the
// cursor's `(created_at, seq)` (activity.go 518-541), so a cursor that passed the later row never
// sees the late one. A reader therefore starts each pass from behind its newest row: from the last
// row older than the newest one read by `settleMs` (the platform's clock, carried forward on a
// monotonic clock while nothing newer arrives), and drops the rows it read already.

/** Where a row sits in the log's order: `(created_at, seq)`, as far as known. */
export interface RowPosition {
  id: string;
  /** `created_at` in epoch milliseconds, when known. */
  at?: number | undefined;
  /** The row's `seq` (August-2026 servers), when known. */
  seq?: number | undefined;
}

/** The settle window's default: rows re-read until 5 s older than the newest row read. */
const DEFAULT_SETTLE_MS = 5_000;

/** Rows a window holds before it closes the oldest whatever their age (bounds memory and re-reads). */
const MAX_SETTLE_ROWS = 200;

/** How a row read compares with the window: read before, new, or new behind a row read earlier. */
export type RowRead = "seen" | "new" | "late";

/** `(at, seq)` order; unknown parts compare equal (such rows keep their place). */
export function compareRows(a: RowPosition, b: RowPosition): number {
  if (a.at !== undefined && b.at !== undefined && a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.seq !== undefined && b.seq !== undefined && a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

/**
 * The rows one reader read recently and where its next pass starts. Feed it every row a pass
 * returns ({@link read}), start each pass from {@link start}, and never persist a cursor past
 * {@link anchor}: a restart then re-reads the window, and the reader's de-duplication drops what
 * it handled.
 */
export class SettleWindow {
  readonly settleMs: number;
  readonly maxRows: number;
  /** Rows read after the anchor, in the log's order. */
  readonly #rows: RowPosition[] = [];
  readonly #ids = new Set<string>();
  /** The last row closed: the next pass reads strictly after it. */
  #anchor: RowPosition | undefined;
  /** The newest `created_at` read, and when (monotonic ms) it was read. */
  #newestAt: number | undefined;
  #newestMono = 0;
  /** How late the latest caught row was (ms behind the newest row read before it). */
  lateMs = 0;
  /** Rows caught late since the window was made. */
  lateRows = 0;
  readonly #now: () => number;

  constructor(
    settleMs: number = DEFAULT_SETTLE_MS,
    maxRows: number = MAX_SETTLE_ROWS,
    now: () => number = () => performance.now(),
  ) {
    this.settleMs = Math.max(0, settleMs);
    this.maxRows = Math.max(1, Math.floor(maxRows));
    this.#now = now;
  }

  /** Where a polled message sits in the log (`undefined` without an activity id). */
  static positionOf(msg: {
    activityId?: string | undefined;
    receivedAt?: Date | undefined;
    activitySeq?: number | undefined;
  }): RowPosition | undefined {
    if (msg.activityId === undefined) return undefined;
    const at = msg.receivedAt instanceof Date ? msg.receivedAt.getTime() : Number.NaN;
    return { id: msg.activityId, at: Number.isFinite(at) ? at : undefined, seq: msg.activitySeq };
  }

  /** Starts over from `from` (a persisted cursor, or nothing): forgets every row read. */
  seed(from: RowPosition | undefined): void {
    this.#rows.length = 0;
    this.#ids.clear();
    this.#anchor = from;
    this.#newestAt = from?.at;
    this.#newestMono = this.#now();
    this.#settledAt = undefined;
  }

  /** Whether row `id` was read and is still in the window. */
  has(id: string): boolean {
    return this.#ids.has(id) || this.#anchor?.id === id;
  }

  /** The last row closed (no later row can still appear before it), if any. */
  get anchor(): RowPosition | undefined {
    return this.#anchor;
  }

  /** Records a row a pass returned. */
  read(row: RowPosition): RowRead {
    if (this.has(row.id)) return "seen";
    const rows = this.#rows;
    let at = rows.length;
    while (at > 0 && compareRows(rows[at - 1]!, row) > 0) at--;
    const late = at < rows.length;
    rows.splice(at, 0, row);
    this.#ids.add(row.id);
    if (row.at !== undefined && (this.#newestAt === undefined || row.at > this.#newestAt)) {
      this.#newestAt = row.at;
      this.#newestMono = this.#now();
    }
    if (late) {
      this.lateRows++;
      this.lateMs = Math.max(0, (rows.at(-1)!.at ?? 0) - (row.at ?? 0));
    }
    return late ? "late" : "new";
  }

  /**
   * Where the next pass starts (its `since_id`), which re-reads every row after it: closes the rows
   * the previous pass re-read after they were settled (older than the newest read by `settleMs`
   * when that pass read: every row before them had committed by then, so that pass read it), and
   * the oldest beyond `maxRows`; returns the last one closed. Before any row closed it is the row
   * the window was seeded with, else the first row read.
   */
  start(): string | undefined {
    const rows = this.#rows;
    const safe = this.#settledAt;
    this.#settledAt =
      this.#newestAt === undefined
        ? undefined
        : this.#newestAt + (this.#now() - this.#newestMono) - this.settleMs;
    let closed = 0;
    while (closed < rows.length) {
      const row = rows[closed]!;
      const old = safe !== undefined && (row.at === undefined || row.at <= safe);
      if (!old && rows.length - closed <= this.maxRows) break;
      closed++;
    }
    if (closed > 0) {
      this.#anchor = rows[closed - 1];
      for (const row of rows.splice(0, closed)) this.#ids.delete(row.id);
    }
    return this.#anchor?.id ?? rows[0]?.id;
  }

  /** Rows logged up to this time (platform ms) had all committed when the last pass started. */
  #settledAt: number | undefined;

  /** The first row read and not yet closed. */
  get first(): RowPosition | undefined {
    return this.#rows[0];
  }

  /** Rows read and not yet closed. */
  get size(): number {
    return this.#rows.length;
  }
}
