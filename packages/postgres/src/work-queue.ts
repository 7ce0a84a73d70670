// The work table: messages the poll leader read from the platform, claimed by replicas with
// FOR UPDATE SKIP LOCKED, kept visible to others only after a claim's visibility timeout. A message
// claimed again after its last allowed delivery (its claim expired, or it was released) is
// dead-lettered instead (state 'dead').
import type { Pool, PoolClient } from "pg";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { type Names, interval } from "./sql.js";

/** One claimed message. */
export interface ClaimedRow {
  activityId: string;
  seq: number;
  /** The stored activity row (parsed again with `parseActivityRow`). */
  body: unknown;
  /** Claims so far, this one included: more than 1 means a previous claim expired. */
  deliveries: number;
  /** Dead-lettered by this claim (delivered `maxDeliveries` times, never settled): report, never run. */
  dead: boolean;
}

/**
 * Inserts messages, skipping activity ids already there and message ids their sender queued
 * already; returns how many.
 */
export async function insertWork(
  client: PoolClient,
  n: Names,
  workspaceId: string,
  messages: InboundMessage[],
): Promise<number> {
  const rows = messages.filter((m) => m.activityId !== undefined);
  if (rows.length === 0) return 0;
  const r = await client.query(
    `INSERT INTO ${n.work} (workspace_id, activity_id, sender, message_id, body)
     SELECT $1, a, s, m, b
     FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS t(a, s, m, b, i)
     ORDER BY i
     ON CONFLICT DO NOTHING`,
    [
      workspaceId,
      rows.map((m) => m.activityId!),
      rows.map((m) => m.sourceId ?? ""),
      rows.map((m) => m.messageId ?? null),
      rows.map((m) => JSON.stringify(m.raw)),
    ],
  );
  return r.rowCount ?? 0;
}

/** The `error` recorded on a row dead-lettered by the delivery limit. */
const DELIVERY_LIMIT = "delivery_limit";

/**
 * Claims up to `limit` open messages (new, or whose claim expired), oldest first. One whose claim
 * expired after `maxDeliveries` deliveries is dead-lettered in the same statement (`dead: true`).
 * Failure isolation (#29): when one of them was delivered before (its replica died or stopped
 * with it), only the oldest such message is claimed, alone, and only when `alone` is true (this
 * replica runs nothing); otherwise nothing is claimed. So only a message that crashes its
 * process accrues deliveries, never the bystanders that ran beside it.
 */
export async function claimWork(
  pool: Pool,
  n: Names,
  workspaceId: string,
  replicaId: string,
  limit: number,
  visibilityMs: number,
  maxDeliveries: number,
  alone: boolean,
): Promise<ClaimedRow[]> {
  const r = await pool.query<{
    activity_id: string;
    seq: string;
    body: unknown;
    deliveries: number;
    state: string;
  }>(
    `WITH o AS (
       SELECT activity_id, seq, deliveries FROM ${n.work}
       WHERE workspace_id = $1
         AND (state = 'pending' OR (state = 'claimed' AND claimed_until < now()))
       ORDER BY seq LIMIT $2
       FOR UPDATE SKIP LOCKED),
     r AS (SELECT min(seq) AS seq FROM o WHERE deliveries > 0),
     c AS (
       SELECT activity_id, deliveries >= $5 AS dead FROM o
       WHERE (SELECT seq FROM r) IS NULL OR ($6::boolean AND o.seq = (SELECT seq FROM r)))
     UPDATE ${n.work} w
        SET state = CASE WHEN c.dead THEN 'dead' ELSE 'claimed' END,
            claimed_by = $3,
            claimed_until = CASE WHEN c.dead THEN NULL ELSE now() + $4::interval END,
            deliveries = CASE WHEN c.dead THEN w.deliveries ELSE w.deliveries + 1 END,
            dead_at = CASE WHEN c.dead THEN now() END,
            error = CASE WHEN c.dead THEN '${DELIVERY_LIMIT}' END
       FROM c
      WHERE w.workspace_id = $1 AND w.activity_id = c.activity_id
     RETURNING w.activity_id, w.seq, w.body, w.deliveries, w.state`,
    [workspaceId, limit, replicaId, interval(visibilityMs), maxDeliveries, alone],
  );
  return r.rows
    .map((row) => ({
      activityId: row.activity_id,
      seq: Number(row.seq),
      body: row.body,
      deliveries: row.deliveries,
      dead: row.state === "dead",
    }))
    .sort((a, b) => a.seq - b.seq);
}

/** Marks a claimed message done; false when this replica no longer held the claim. */
export async function settleWork(
  pool: Pool,
  n: Names,
  workspaceId: string,
  replicaId: string,
  activityId: string,
): Promise<boolean> {
  const r = await pool.query(
    `UPDATE ${n.work} SET state = 'done', settled_at = now(), claimed_until = NULL
      WHERE workspace_id = $1 AND activity_id = $2 AND claimed_by = $3 AND state = 'claimed'`,
    [workspaceId, activityId, replicaId],
  );
  return r.rowCount === 1;
}

/** Gives a claimed message back (the agent stopped before it settled): claimable at once. */
export async function releaseWork(
  pool: Pool,
  n: Names,
  workspaceId: string,
  replicaId: string,
  activityId: string,
): Promise<void> {
  await pool.query(
    `UPDATE ${n.work} SET state = 'pending', claimed_by = NULL, claimed_until = NULL
      WHERE workspace_id = $1 AND activity_id = $2 AND claimed_by = $3 AND state = 'claimed'`,
    [workspaceId, activityId, replicaId],
  );
}

/** Pushes the visibility timeout of this replica's running claims forward. */
export async function extendClaims(
  pool: Pool,
  n: Names,
  workspaceId: string,
  replicaId: string,
  activityIds: string[],
  visibilityMs: number,
): Promise<void> {
  if (activityIds.length === 0) return;
  await pool.query(
    `UPDATE ${n.work} SET claimed_until = now() + $4::interval
      WHERE workspace_id = $1 AND claimed_by = $2 AND state = 'claimed'
        AND activity_id = ANY($3::text[])`,
    [workspaceId, replicaId, activityIds, interval(visibilityMs)],
  );
}

/**
 * Confirms this replica's claim of `row` before its handler starts (the claim may have lapsed
 * while the process was paused): true, and the claim extended, only while the row is still this
 * replica's claim of that delivery (a claim by anyone since bumps `deliveries`: its epoch).
 */
export async function confirmClaim(
  pool: Pool,
  n: Names,
  workspaceId: string,
  replicaId: string,
  row: Pick<ClaimedRow, "activityId" | "deliveries">,
  visibilityMs: number,
): Promise<boolean> {
  const r = await pool.query(
    `UPDATE ${n.work} SET claimed_until = now() + $5::interval
      WHERE workspace_id = $1 AND activity_id = $2 AND claimed_by = $3 AND state = 'claimed'
        AND deliveries = $4`,
    [workspaceId, row.activityId, replicaId, row.deliveries, interval(visibilityMs)],
  );
  return r.rowCount === 1;
}

/** Deletes settled rows older than `retentionMs` (they are the de-dup window); returns how many. */
export async function deleteSettled(pool: Pool, n: Names, retentionMs: number): Promise<number> {
  const a = await pool.query(
    `DELETE FROM ${n.work} WHERE state = 'done' AND settled_at < now() - $1::interval`,
    [interval(retentionMs)],
  );
  const b = await pool.query(
    `DELETE FROM ${n.pushClaims} WHERE state = 'done' AND settled_at < now() - $1::interval`,
    [interval(retentionMs)],
  );
  return (a.rowCount ?? 0) + (b.rowCount ?? 0);
}
