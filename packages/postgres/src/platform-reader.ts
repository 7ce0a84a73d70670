// The poll leader's job: read the platform after the workspace's cursor and move what it read into
// the work table, advancing the cursor in the same transaction (so "queued for the replicas" and
// "cursor advanced" never disagree). That transaction first checks the leader's lease (fencing: a
// leader that lost it writes nothing), and the cursor update is a compare-and-set on the cursor the
// read started from.
import type { Pool, PoolClient } from "pg";
import { SettleWindow } from "@molecule-ai/agent-core/store";
import type { InboundPage, RowPosition, SharedPollContext } from "@molecule-ai/agent-core/store";
import type { PollLease } from "./poll-lease.js";
import { type Names } from "./sql.js";
import { insertWork } from "./work-queue.js";

/** The platform's "everything you hold" window (ten years), as core's `backfill: "all"` uses. */
const ALL_SECS = 10 * 365 * 24 * 3600;
/** Margin of a first read's re-read before its first row, for the clocks' difference. */
const FIRST_PASS_MARGIN_MS = 60_000;
/** Re-read margin after a `410` (the cursor was pruned), for clock skew. */
const REWIND_MARGIN_MS = 300_000;

interface CursorRow {
  cursor: string | null;
  cursorAt: Date | null;
  /** Set by a `backfill: "none"` first read that found nothing: everything later is new. */
  startedAt: Date | null;
}

/**
 * What a leader keeps between its reads: the settle window (the platform commits rows out of
 * order, so each pass re-reads the rows still settling; see core's `SettleWindow`), and where a
 * pass that got a full page reads on. The cursor row in the database is the window's anchor, so a
 * new leader re-reads the window too; the work table's keys drop what was queued already.
 */
export class ReaderState {
  readonly settle: SettleWindow;
  /** The last row of a full page: the pass reads on from it. */
  passFrom: string | undefined;
  /** The database cursor the window was seeded with. */
  seededWith: string | null | undefined;

  constructor(settleMs?: number) {
    this.settle = new SettleWindow(settleMs);
  }
}

/** The page's messages this leader had not read (recording them and the page's last row). */
function freshOf(state: ReaderState, page: InboundPage): InboundPage["messages"] {
  const fresh = page.messages.filter((m) => {
    const pos = SettleWindow.positionOf(m);
    return pos === undefined || state.settle.read(pos) !== "seen";
  });
  const last = page.lastId;
  if (last !== undefined && !state.settle.has(last))
    state.settle.read({ id: last, at: page.lastAt, seq: page.lastSeq });
  return fresh;
}

/** What one read did. */
export interface ReadResult {
  cursor: string | undefined;
  /** Rows inserted into the work table. */
  queued: number;
  /** The platform has more rows waiting: read again at once. */
  more: boolean;
  /** This replica's lease was gone when it went to write: it wrote nothing and no longer leads. */
  fenced: boolean;
}

function isCursorLost(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { status?: unknown }).status === 410;
}

function timeOf(page: InboundPage): Date | null {
  const at = page.messages.at(-1)?.receivedAt;
  return at instanceof Date && Number.isFinite(at.getTime()) ? at : null;
}

/** Runs `write` in a transaction when `lease` still holds; false (nothing written) when it does not. */
async function fenced(
  pool: Pool,
  lease: PollLease,
  write: (client: PoolClient) => Promise<boolean>,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    if (!(await lease.fence(client)) || !(await write(client))) {
      await client.query("ROLLBACK");
      return false;
    }
    await client.query("COMMIT");
    return true;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Reads one page for `ctx.workspaceId` and queues it, if `lease` still holds. */
export async function readPlatformOnce(
  pool: Pool,
  n: Names,
  ctx: SharedPollContext,
  lease: PollLease,
  signal: AbortSignal,
  state: ReaderState = new ReaderState(),
): Promise<ReadResult> {
  const ws = ctx.workspaceId;
  await pool.query(
    `INSERT INTO ${n.cursors} (workspace_id) VALUES ($1) ON CONFLICT (workspace_id) DO NOTHING`,
    [ws],
  );
  const { rows } = await pool.query<{
    cursor: string | null;
    cursor_at: Date | null;
    started_at: Date | null;
  }>(`SELECT cursor, cursor_at, started_at FROM ${n.cursors} WHERE workspace_id = $1`, [ws]);
  const from: CursorRow = {
    cursor: rows[0]?.cursor ?? null,
    cursorAt: rows[0]?.cursor_at ?? null,
    startedAt: rows[0]?.started_at ?? null,
  };
  if (state.seededWith !== from.cursor) {
    // First read, or another leader moved the cursor: start over from it.
    state.settle.seed(
      from.cursor === null
        ? undefined
        : { id: from.cursor, at: from.cursorAt ? from.cursorAt.getTime() : undefined },
    );
    state.seededWith = from.cursor;
    state.passFrom = undefined;
  }
  let page: InboundPage;
  let skip = false;
  const passFrom = state.passFrom;
  const first = state.settle.first;
  if (passFrom !== undefined) {
    page = await ctx.fetch({ sinceId: passFrom, signal });
  } else if (state.settle.anchor === undefined && first?.at !== undefined) {
    // A first read's rows are all still settling: one may still land before the first, so the
    // time window from just before it is read again (margin for the clocks), never before the
    // backfill window.
    const back = Date.now() - first.at + state.settle.settleMs + FIRST_PASS_MARGIN_MS;
    const backfill = ctx.backfill;
    const limit = typeof backfill === "object" ? backfill.sinceMs : Number.POSITIVE_INFINITY;
    page = await ctx.fetch({
      sinceSecs: Math.max(1, Math.ceil(Math.min(back, limit) / 1000)),
      signal,
    });
  } else if (from.cursor === null) {
    const backfill = ctx.backfill;
    if (backfill === "none" && from.startedAt === null) {
      page = await ctx.fetch({ signal });
      skip = true; // start after the newest row: what was queued before the first start is skipped
    } else if (backfill === "none") {
      // The first read found nothing queued: every row the platform holds now came after it.
      page = await ctx.fetch({ sinceSecs: ALL_SECS, signal });
    } else {
      const sinceSecs =
        backfill === "all" ? ALL_SECS : Math.max(0, Math.ceil(backfill.sinceMs / 1000));
      page = await ctx.fetch({ sinceSecs, signal });
    }
  } else {
    try {
      page = await ctx.fetch({ sinceId: from.cursor, signal });
    } catch (err) {
      if (!isCursorLost(err)) throw err;
      // Re-read since the cursor's time; the work table's keys drop what was queued already.
      const sinceSecs =
        from.cursorAt === null
          ? ALL_SECS
          : Math.ceil((Date.now() - from.cursorAt.getTime() + REWIND_MARGIN_MS) / 1000);
      ctx.logger.warn?.(
        "inbound cursor no longer known to the platform (410); re-reading since it",
        {
          cursor: from.cursor,
        },
      );
      state.settle.seed(undefined); // the lost cursor is no place to start a pass from
      page = await ctx.fetch({ sinceSecs, signal });
    }
  }
  if (page.gap === true) {
    ctx.logger.warn?.("the platform could not return every row after the cursor (gap)", {
      cursor: from.cursor,
    });
  }
  const messages = freshOf(state, page);
  state.passFrom =
    page.more === true ? (page.lastId ?? page.messages.at(-1)?.activityId) : undefined;
  // The cursor kept is where the next pass starts: the settle window's anchor (a backfill "none"
  // start: its newest row, as nothing before it is delivered).
  const newest = page.lastId ?? page.messages.at(-1)?.activityId;
  const to = skip ? newest : (state.settle.start() ?? from.cursor ?? undefined);
  const toAt = skip ? timeOf(page) : anchorTime(state.settle.anchor);
  const unchanged = { cursor: from.cursor ?? undefined, queued: 0, more: false, fenced: false };
  if (to === undefined || (to === from.cursor && messages.length === 0)) {
    if (!skip) return { ...unchanged, more: page.more === true };
    // A `backfill: "none"` first read found nothing: record that, or the next read would skip
    // what arrives meanwhile as "queued before the first start".
    const marked = await fenced(pool, lease, async (c) => {
      await c.query(
        `UPDATE ${n.cursors} SET started_at = now(), epoch = $2, updated_at = now()
          WHERE workspace_id = $1 AND cursor IS NULL AND started_at IS NULL`,
        [ws, lease.epoch],
      );
      return true;
    });
    return { ...unchanged, fenced: !marked };
  }
  let queued = 0;
  let moved = true;
  // Until this write lands, the rows just read are not queued: a failed write re-reads them.
  state.seededWith = undefined;
  const wrote = await fenced(pool, lease, async (c) => {
    queued = skip ? 0 : await insertWork(c, n, ws, messages);
    const r = await c.query(
      `UPDATE ${n.cursors} SET cursor = $2, cursor_at = COALESCE($3, cursor_at), epoch = $5,
              updated_at = now()
        WHERE workspace_id = $1 AND cursor IS NOT DISTINCT FROM $4`,
      [ws, to, toAt, from.cursor, lease.epoch],
    );
    moved = r.rowCount === 1; // else another leader moved it meanwhile: its read wins
    if (moved && queued > 0) await c.query("SELECT pg_notify($1, $2)", [n.channel, ws]);
    return moved;
  });
  if (!wrote) return { ...unchanged, queued: 0, more: !moved, fenced: moved };
  state.seededWith = to;
  if (skip) state.settle.seed({ id: to, at: toAt?.getTime() });
  return { cursor: to, queued, more: page.more === true, fenced: false };
}

function anchorTime(pos: RowPosition | undefined): Date | null {
  return pos?.at === undefined ? null : new Date(pos.at);
}
