// Reading the activity log (`GET /workspaces/:id/activity`) in both contracts: with `since_id`
// cursors (newer servers), or the baseline's newest-first window filtered here. It returns wire
// rows; inbound/ turns them into messages.
import { CursorLostError } from "./errors.js";
import { redactDeep } from "../transport/index.js";
import {
  activityListSchema,
  activityRowSchema,
  parseWire,
  type WireActivityRow,
} from "../wire/index.js";
import { toInt } from "./args.js";
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
  signal?: AbortSignal | undefined;
}

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
  };
  if (caps.cursors) {
    query.since_id = options.sinceId || undefined;
    query.since_secs = options.sinceId ? undefined : toInt(options.sinceSecs, "sinceSecs");
    query.peer_id = options.peerId || undefined;
    query.before_ts = beforeTs || undefined;
  }
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/activity`,
    query,
    signal: options.signal,
  });
  if (res.status === 410 && options.sinceId) {
    throw new CursorLostError(
      `activity cursor ${options.sinceId} is no longer valid (410); drop it and re-seed (e.g. with sinceSecs)`,
      { cursor: options.sinceId, body: redactDeep(res.body, s.known) },
    );
  }
  if (!ok(res.status)) throw await s.selfFail(res, "fetchInbound", options.signal);
  const list = s.expect(activityListSchema, res, "fetchInbound");
  const items = Array.isArray(list) ? list : list.items;
  let rows: WireActivityRow[] = [];
  for (const item of items) {
    const r = parseWire(activityRowSchema, item);
    if (r.ok) rows.push(r.value);
  }
  // Without a cursor or window both contracts answer newest-first: reverse to oldest-first.
  const windowed = caps.cursors && (query.since_id !== undefined || query.since_secs !== undefined);
  if (!windowed) rows.reverse();
  let gap = false;
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
      gap = items.length >= limit && rows.length > 0 && inWindow(rows[0]!);
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
    hasMore: windowed && items.length >= limit,
    gap,
  };
}
