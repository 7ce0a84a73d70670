// Push de-duplication shared by replicas: a pushed message is claimed by its A2A messageId, so a
// proxy retry that lands on another replica gets the stored answer instead of a second run.
import type { Pool } from "pg";
import type { PushClaim, PushClaimResult } from "@molecule-ai/agent-core/store";
import { type Names, interval } from "./sql.js";

/**
 * Claims `messageId` for `replicaId`; a claim is kept alive while its handler runs (its timer is in
 * `timers` until it is settled or released, so closing the store can stop it).
 */
export async function claimPush(
  pool: Pool,
  n: Names,
  replicaId: string,
  workspaceId: string,
  messageId: string,
  visibilityMs: number,
  timers: Set<NodeJS.Timeout>,
): Promise<PushClaimResult> {
  const vis = interval(visibilityMs);
  const claimed = await pool.query<{ deliveries: number }>(
    `INSERT INTO ${n.pushClaims} (workspace_id, message_id, state, claimed_by, claimed_until)
     VALUES ($1, $2, 'claimed', $3, now() + $4::interval)
     ON CONFLICT (workspace_id, message_id) DO UPDATE
        SET claimed_by = EXCLUDED.claimed_by, claimed_until = EXCLUDED.claimed_until,
            deliveries = ${n.pushClaims}.deliveries + 1
      WHERE ${n.pushClaims}.state = 'claimed' AND ${n.pushClaims}.claimed_until < now()
     RETURNING deliveries`,
    [workspaceId, messageId, replicaId, vis],
  );
  const row = claimed.rows[0];
  if (!row) {
    const { rows } = await pool.query<{ state: string; reply: string | null }>(
      `SELECT state, reply FROM ${n.pushClaims} WHERE workspace_id = $1 AND message_id = $2`,
      [workspaceId, messageId],
    );
    const r = rows[0];
    if (r?.state === "done") return { status: "settled", reply: r.reply ?? undefined };
    return { status: "busy" };
  }
  const where = `WHERE workspace_id = $1 AND message_id = $2 AND claimed_by = $3 AND state = 'claimed'`;
  const key = [workspaceId, messageId, replicaId];
  const timer = setInterval(
    () =>
      void pool
        .query(`UPDATE ${n.pushClaims} SET claimed_until = now() + $4::interval ${where}`, [
          ...key,
          vis,
        ])
        .catch(() => undefined), // the claim expires: a retry elsewhere may run it again
    Math.max(50, Math.floor(visibilityMs / 3)),
  );
  timer.unref();
  timers.add(timer);
  const stop = (): void => {
    clearInterval(timer);
    timers.delete(timer);
  };
  const claim: PushClaim = {
    redelivered: row.deliveries > 1,
    async settle(reply) {
      stop();
      await pool.query(
        `UPDATE ${n.pushClaims} SET state = 'done', reply = $4, settled_at = now(),
                claimed_until = NULL ${where}`,
        [...key, reply ?? null],
      );
    },
    async release() {
      stop();
      await pool.query(`DELETE FROM ${n.pushClaims} ${where}`, key);
    },
  };
  return { status: "claimed", claim };
}
