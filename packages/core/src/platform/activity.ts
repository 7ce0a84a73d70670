// Reading the activity log (`GET /workspaces/:id/activity`) in both contracts: with `since_id`
// cursors (newer servers), or the baseline's newest-first window filtered here. It returns wire
// rows; inbound/ turns them into messages.
import { CursorLostError } from "./errors.js";
import {
  backoffDelay,
  JsonItems,
  type PlaceOnly,
  MoleculeError,
  redactDeep,
  sendRetryingFresh,
  sleep,
} from "../transport/index.js";
import {
  activityListSchema,
  activityRowSchema,
  parseWire,
  type WireActivityRow,
} from "../wire/index.js";
import { invalid, toInt } from "./args.js";
import { platformContract } from "./capabilities.js";
import { ok } from "./http-errors.js";
import { nameSenders } from "./peers.js";
import { enc, type PlatformSession } from "./session.js";

/** Filters of `PlatformClient.fetchActivityRows` (and inbound's `fetchActivity`/`fetchInbound`). */
export interface FetchInboundOptions {
  /** Return rows strictly after this activity id. */
  sinceId?: string | undefined;
  /**
   * Rows of the last `sinceSecs` seconds, oldest first (first-run backfill, re-read after a 410).
   * The baseline ignores it: the SDK filters its newest-first listing instead (see `gap`).
   */
  sinceSecs?: number | undefined;
  /** Max rows (default 100, platform max 500). */
  limit?: number | undefined;
  /** Only messages from this peer workspace. */
  peerId?: string | undefined;
  /** Only rows created before this time. */
  beforeTs?: string | Date | undefined;
  /** Activity type (default `"a2a_receive"`). */
  type?: string | undefined;
  /**
   * Rows the reader has read already (its settle window's re-reads): after a cursor, a row this
   * answers true for comes back with only what places it (`id`, `activity_type`, `method`,
   * `created_at`, `seq`): its other fields are skipped as it is read, never decoded nor parsed.
   */
  known?: ((id: string) => boolean) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The bytes of rows one page holds, about: the rows are parsed one by one as they arrive, a page
 * after a cursor is cut after the row that fills it (at least one row; the next read starts after
 * the last row kept) and the next page asks for as many rows as fit at the last page's bytes per
 * row; a time window's page keeps this much whole (the rest placed only). So a burst of large
 * messages is read 1 MiB at a time, not `limit` rows at once (measured in a 1 GiB cgroup, 300
 * messages of 64 KiB, 2 s handlers: peak anonymous memory idle + 28-33 MiB at 1 MiB, + 46-60 at 4 MiB).
 */
export const PAGE_BYTES = 1024 * 1024;

/** One page of activity rows, oldest first, as the platform sent them. */
export interface ActivityRows {
  /** Every row returned (ascending), including the ones that are not messages. */
  rows: WireActivityRow[];
  /** The id of the last row (advance the cursor past skipped rows too); the input `sinceId` when empty. */
  nextCursor: string | undefined;
  /** `true` when the server honours `since_id` (newer contract); `false` on the baseline (a newest-first window, reversed: de-duplicate by `activityId`). */
  cursorSupported: boolean;
  /**
   * Newer contract: the server returned a full page after a cursor or time window, so more rows
   * may be waiting: fetch again at once with `sinceId: nextCursor`.
   */
  hasMore: boolean;
  /**
   * Baseline contract: `sinceId` was given but is not in the returned newest-first window (or a
   * `sinceSecs` window filled the whole listing), so rows between it and the oldest row returned
   * may exist that this platform cannot return (it has no cursor paging). Raise `limit` (at most
   * 500) or poll more often.
   */
  gap: boolean;
}

/**
 * Reads activity rows, oldest first, in both contracts; see `PlatformClient.fetchActivityRows`.
 * A stale cursor raises {@link CursorLostError} (newer contract).
 */
export async function fetchActivityRows(
  s: PlatformSession,
  options: FetchInboundOptions,
): Promise<ActivityRows> {
  const caps = await platformContract(s, options.signal);
  // The baseline only ever returns the newest rows: take its maximum page to narrow gaps.
  const limit = toInt(options.limit ?? (caps.cursors ? 100 : 500), "limit") || 100;
  const beforeTs =
    options.beforeTs instanceof Date ? options.beforeTs.toISOString() : options.beforeTs;
  const query: Record<string, string | number | undefined> = {
    type: options.type ?? "a2a_receive",
    limit,
    // Newer servers name each row's sender from their registry (`peer_name`, `peer_role`; 2026-05
    // 3ff613e3): asked for, so no peer listing is needed to name them (older servers ignore it).
    include: "peer_info",
  };
  // After a cursor the rows come oldest first: a page can stop at PAGE_BYTES and read on.
  const paged = caps.cursors && !!options.sinceId;
  if (paged) query.limit = pageLimit(s, limit);
  if (caps.cursors) {
    query.since_id = options.sinceId || undefined;
    // The server wants a positive integer (400 for 0) and caps it at 30 days itself.
    const secs = options.sinceId ? undefined : toInt(options.sinceSecs, "sinceSecs");
    query.since_secs = secs === undefined ? undefined : Math.max(1, secs);
    query.peer_id = options.peerId || undefined;
    query.before_ts = beforeTs || undefined;
  }
  // A time window without a cursor: its pages keep PAGE_BYTES of rows whole, the rest placed only.
  const timed = caps.cursors && query.since_id === undefined && query.since_secs !== undefined;
  const placed = new Set<string>();
  const pageItems = (): JsonItems => new JsonItems(Infinity, placedBeyond(placed));
  const items = paged
    ? new JsonItems(PAGE_BYTES, placeOf(options.known))
    : timed
      ? pageItems()
      : undefined;
  const first = await readRows(s, query, options, items);
  const { count, cut } = first;
  let rows = first.rows;
  first.rows = []; // a walk drops a page's rows as it reads on
  let gap = false;
  let walked = false;
  let headOnly = false;
  if (timed) {
    // The August-2026 server answers it newest first, an older server oldest first. Either way
    // the caller gets the window's oldest page, oldest first, then pages forward with `since_id`
    // (hasMore).
    const oldest = await oldestPage(s, query, options, rows, count >= limit, pageItems);
    rows = oldest.rows;
    gap = oldest.gap;
    walked = oldest.walked;
    if (rows.some((r) => placed.has(r.id))) {
      rows = await wholeHead(s, query, options, rows, placed);
      headOnly = true;
    }
  } else {
    const windowed = caps.cursors && query.since_id !== undefined;
    // Without a cursor both contracts answer newest first: reverse to oldest first.
    if (!windowed) rows.reverse();
  }
  if (!caps.cursors) {
    if (options.sinceId) {
      const at = rows.findIndex((r) => r.id === options.sinceId);
      if (at !== -1) rows = rows.slice(at + 1);
      else gap = rows.length > 0;
    } else if (options.sinceSecs !== undefined) {
      // A backfill window: the newest-first listing is all this platform has; when it is full
      // and still inside the window, older rows of the window are out of its reach.
      const from = Date.now() - toInt(options.sinceSecs, "sinceSecs")! * 1000;
      const inWindow = (r: WireActivityRow): boolean =>
        !r.created_at || !(Date.parse(r.created_at) < from);
      gap = count >= limit && rows.length > 0 && inWindow(rows[0]!);
      rows = rows.filter(inWindow);
    }
    if (options.peerId) rows = rows.filter((r) => r.source_id === options.peerId);
    if (beforeTs) {
      const limitTs = Date.parse(beforeTs);
      if (Number.isFinite(limitTs))
        rows = rows.filter((r) => !r.created_at || Date.parse(r.created_at) < limitTs);
    }
  }
  nameSenders(s, rows);
  return {
    rows,
    nextCursor: rows.length > 0 ? rows[rows.length - 1]?.id : options.sinceId,
    cursorSupported: caps.cursors,
    hasMore:
      caps.cursors &&
      (query.since_id !== undefined || query.since_secs !== undefined) &&
      (walked || cut || headOnly || count >= Number(query.limit)),
    gap,
  };
}

/** The rows a page after a cursor asks for: `limit`, or as many as fit PAGE_BYTES at the last page's size. */
function pageLimit(s: PlatformSession, limit: number): number {
  const per = s.activityRowBytes;
  return per === undefined ? limit : Math.max(1, Math.min(limit, Math.floor(PAGE_BYTES / per)));
}

/** What a row read for its place only keeps: what places it in the log. */
const PLACE_KEYS = ["id", "activity_type", "method", "created_at", "seq"];

/** Rows `known` answers true for are placed only (see `FetchInboundOptions.known`). */
function placeOf(known: ((id: string) => boolean) | undefined): PlaceOnly | undefined {
  return known && { keys: PLACE_KEYS, when: (id) => known(id) };
}

/** Rows after a page's first PAGE_BYTES are placed only (their ids added to `placed`). */
function placedBeyond(placed: Set<string>): PlaceOnly {
  return {
    keys: PLACE_KEYS,
    when: (id, kept) => {
      if (kept < PAGE_BYTES) return false;
      placed.add(id);
      return true;
    },
  };
}

/**
 * A time window's oldest page held more than PAGE_BYTES (its older rows were placed only): its
 * rows from the oldest up to the first placed one, or, when the oldest was placed, the oldest
 * alone, read again (with the rows sharing its microsecond, which are placed only). The caller
 * reads on from it with `since_id`. Empty when it is gone (the next read walks again).
 */
async function wholeHead(
  s: PlatformSession,
  query: Record<string, string | number | undefined>,
  options: FetchInboundOptions,
  rows: WireActivityRow[],
  placed: Set<string>,
): Promise<WireActivityRow[]> {
  const whole = rows.findIndex((r) => placed.has(r.id));
  if (whole > 0) return rows.slice(0, whole);
  const head = { id: rows[0]!.id, at: instant(rows[0]!.created_at) };
  const at = head.at;
  const sharing = rows.filter((r) => instant(r.created_at) === at).length;
  rows.length = 0; // the page's whole rows are not held while the head is read again
  if (at === undefined) return [];
  const again = { ...query, before_ts: rfc3339(at + 1n), limit: sharing };
  const others: PlaceOnly = { keys: PLACE_KEYS, when: (id) => id !== head.id };
  const read = await readOlder(s, again, options, new JsonItems(Infinity, others));
  return read.rows.filter((r) => r.id === head.id);
}

/**
 * One `GET .../activity`: the parsed rows in the server's order and how many items came; with
 * `items`, read row by row up to its budget (`cut`: the page stopped after the rows returned).
 */
async function readRows(
  s: PlatformSession,
  query: Record<string, string | number | undefined>,
  options: FetchInboundOptions,
  items?: JsonItems,
): Promise<{ rows: WireActivityRow[]; count: number; cut: boolean }> {
  // The poll: a read that timed out is sent again at once on a new connection (fresh-retry.ts).
  const res = await sendRetryingFresh(s, {
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/activity`,
    query,
    signal: options.signal,
    // Each attempt reads its body into them anew (a timed-out attempt's rows are dropped).
    ...(items ? { items } : {}),
  });
  if (res.status === 410 && options.sinceId) {
    throw new CursorLostError(
      `activity cursor ${options.sinceId} is no longer valid (410); drop it and re-seed (e.g. with sinceSecs)`,
      { cursor: options.sinceId, body: redactDeep(res.body, s.known) },
    );
  }
  if (!ok(res.status)) throw await s.selfFail(res, "fetchInbound", options.signal);
  const listed = s.expect(activityListSchema, res, "fetchInbound");
  const list = Array.isArray(listed) ? listed : listed.items;
  const rows: WireActivityRow[] = [];
  for (const item of list) {
    const r = parseWire(activityRowSchema, item);
    if (r.ok) rows.push(r.value);
  }
  if (items && items.whole > 0) s.activityRowBytes = items.bytes / items.whole;
  return { rows, count: list.length, cut: items?.cut === true };
}

/**
 * The oldest page of a `since_secs` window, oldest first. While a page is full, the rows before
 * its oldest one are read with `before_ts` (strictly older on the server, so it is set just past
 * that row to keep rows sharing its instant; rows already read are dropped). Only the last
 * (oldest) page is kept, so memory stays one page whatever the backlog. `gap`: a full page held
 * nothing new (more rows than a page share one millisecond), so older rows may be unreachable.
 */
async function oldestPage(
  s: PlatformSession,
  query: Record<string, string | number | undefined>,
  options: FetchInboundOptions,
  firstRows: WireActivityRow[],
  firstFull: boolean,
  pageItems: () => JsonItems,
): Promise<{ rows: WireActivityRow[]; gap: boolean; walked: boolean }> {
  let page = firstRows.sort(feedOrder);
  let full = firstFull;
  let walked = false;
  let gap = false;
  let upper = typeof query.before_ts === "string" ? instant(query.before_ts) : undefined;
  while (full && page.length > 0) {
    const { id, created_at, seq } = page[0]!;
    const head: WireActivityRow = { id, created_at, seq }; // its place (not its bodies)
    const at = instant(head.created_at);
    if (at === undefined) return { rows: page, gap: true, walked };
    // Just past the oldest row read (rows sharing its microsecond come again and are dropped);
    // when a whole page shares it, strictly before it.
    const before = upper !== undefined && upper <= at + 1n ? upper : at + 1n;
    const seen = new Set(page.map((r) => r.id));
    const next = await readOlder(s, { ...query, before_ts: rfc3339(before) }, options, pageItems());
    const older = next.rows.filter((r) => !seen.has(r.id) && feedOrder(r, head) <= 0);
    full = next.count >= Number(query.limit);
    if (older.length === 0) {
      if (!full || before <= at) break;
      // A full page of rows all sharing one microsecond: any more of them are out of reach.
      gap = true;
      upper = at;
      continue;
    }
    page.length = 0; // dropped before the older page is held (the caller's reference too)
    page = older.sort(feedOrder);
    walked = true;
  }
  return { rows: page, gap, walked };
}

/**
 * Attempts at one older page of a walk. A failed page fails the whole read, and the poll loop's
 * next read starts the walk again from the newest page with a longer wait each time: on a flaky
 * platform a long walk then rarely finished (a first start with 550 queued, one read in six
 * failing: one walk in three did).
 */
const WALK_PAGE_ATTEMPTS = 3;

/**
 * {@link readRows} for an older page of a walk: a retryable failure (a 5xx, a connection lost
 * after the transport's own attempts) is asked again after a short backoff (0.1 s, then 0.2 s),
 * so the pages read before it are not lost. A removal (410) or anything else fails at once.
 */
async function readOlder(
  s: PlatformSession,
  query: Record<string, string | number | undefined>,
  options: FetchInboundOptions,
  items: JsonItems,
): Promise<{ rows: WireActivityRow[]; count: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readRows(s, query, options, items);
    } catch (err) {
      const again = err instanceof MoleculeError && err.retryable && !options.signal?.aborted;
      if (!again || attempt >= WALK_PAGE_ATTEMPTS) throw err;
      await sleep(backoffDelay(attempt, 100, 1_000), options.signal);
    }
  }
}

/** The feed's order, `(created_at, seq)` ascending; rows without either keep their place. */
function feedOrder(a: WireActivityRow, b: WireActivityRow): number {
  const ta = instant(a.created_at);
  const tb = instant(b.created_at);
  if (ta !== undefined && tb !== undefined && ta !== tb) return ta < tb ? -1 : 1;
  const sa = typeof a.seq === "number" ? a.seq : undefined;
  const sb = typeof b.seq === "number" ? b.seq : undefined;
  return sa !== undefined && sb !== undefined ? sa - sb : 0;
}

/** An RFC 3339 time in microseconds since the epoch (the server's precision); `undefined` if unreadable. */
function instant(iso: string | null | undefined): bigint | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso.replace(/\.\d+/, ""));
  if (!Number.isFinite(ms)) return undefined;
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? "";
  return BigInt(ms) * 1000n + BigInt(frac.padEnd(6, "0").slice(0, 6));
}

/** Microseconds since the epoch as RFC 3339 in UTC with six fractional digits. */
function rfc3339(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const frac = (micros % 1_000_000n).toString().padStart(6, "0");
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/**
 * `POST /workspaces/:id/activity/ack {acked_seq}` (August 2026, 2c5c1950): the platform may prune
 * this workspace's rows up to `seq` 7 days after the acknowledgement (30 days at most otherwise).
 * `false` when the platform has no such route (older servers).
 */
export async function ackActivity(
  s: PlatformSession,
  seq: number,
  options: { signal?: AbortSignal | undefined },
): Promise<boolean> {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw invalid(`ackActivity needs a row's seq (a non-negative integer); got ${String(seq)}`);
  const res = await s.send({
    priority: "background", // it only lets the platform prune sooner: behind answers and polls
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/activity/ack`,
    json: { acked_seq: seq },
    signal: options.signal,
  });
  if (res.status === 404) return false;
  if (!ok(res.status)) throw await s.selfFail(res, "ackActivity", options.signal);
  return true;
}
