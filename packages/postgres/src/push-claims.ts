// Push de-duplication shared by replicas: a pushed message is claimed by its A2A messageId and its
// content fingerprint (no sender of a push is authenticated: another message sent under the same
// id is claimed apart), so a proxy retry that lands on another replica gets the stored answer
// instead of a second run. A claim counts its deliveries: one whose claim expired (or was released)
// `maxDeliveries` times without settling is dead-lettered (state 'dead') instead of run again. A
// message claimed before and never settled is claimed again only `alone` (failure isolation: see
// `SharedStore.claimPush`).
import type { Pool } from "pg";
import { boundedKey } from "@molecule-ai/agent-core/store";
import type { PushClaim, PushClaimOptions, PushClaimResult } from "@molecule-ai/agent-core/store";
import { PostgresStoreError } from "./errors.js";
import { type Names, interval } from "./sql.js";

/** What {@link claimPush} needs. */
export interface PushClaimConfig {
  pool: Pool;
  names: Names;
  replicaId: string;
  visibilityMs: number;
  maxDeliveries: number;
  /**
   * Keep-alive timers of running claims (closing the store stops them). Without it a claim is not
   * kept alive: it stays invisible for `visibilityMs` from the claim (serverless: see claims.ts).
   */
  timers?: Set<NodeJS.Timeout> | undefined;
}

/**
 * Claims message `id` with `options.content` for this replica; with `timers`, a claim is kept
 * alive while its handler runs (its timer is in `timers` until it is settled or released). A
 * claim that expired (or was released) is taken over unless `options.alone` is false.
 */
export async function claimPush(
  c: PushClaimConfig,
  workspaceId: string,
  id: string,
  options: PushClaimOptions = {},
): Promise<PushClaimResult> {
  const { pool, names: n, replicaId } = c;
  const messageId = boundedKey(id); // a sender-sized id is kept as its hash (last line of defence)
  const content = boundedKey(options.content ?? "");
  const vis = interval(c.visibilityMs);
  const expired = `${n.pushClaims}.state = 'claimed' AND ${n.pushClaims}.claimed_until < now()`;
  const claimed = await pool.query<{ deliveries: number }>(
    `INSERT INTO ${n.pushClaims} (workspace_id, message_id, content, state, claimed_by, claimed_until)
     VALUES ($1, $2, $3, 'claimed', $4, now() + $5::interval)
     ON CONFLICT (workspace_id, message_id, content) DO UPDATE
        SET claimed_by = EXCLUDED.claimed_by, claimed_until = EXCLUDED.claimed_until,
            deliveries = ${n.pushClaims}.deliveries + 1
      WHERE ${expired} AND ${n.pushClaims}.deliveries < $6 AND $7::boolean
     RETURNING deliveries`,
    [workspaceId, messageId, content, replicaId, vis, c.maxDeliveries, options.alone !== false],
  );
  const row = claimed.rows[0];
  if (!row) return await notClaimed(c, workspaceId, messageId, content);
  const where = `WHERE workspace_id = $1 AND message_id = $2 AND content = $3 AND claimed_by = $4
                   AND state = 'claimed'`;
  const key = [workspaceId, messageId, content, replicaId];
  const stop = c.timers ? keepAlive(c, c.timers, where, key, messageId) : () => undefined;
  const claim: PushClaim = {
    redelivered: row.deliveries > 1,
    async settle(reply, options) {
      stop();
      await pool.query(
        `UPDATE ${n.pushClaims} SET state = 'done', reply = $5, asked = $6, settled_at = now(),
                claimed_until = NULL ${where}`,
        [...key, reply ?? null, options?.asked === true],
      );
    },
    async release() {
      stop();
      // Claimable at once, its delivery still counted (it never settled).
      await pool.query(
        `UPDATE ${n.pushClaims} SET claimed_until = now() - interval '1 ms' ${where}`,
        key,
      );
    },
  };
  return { status: "claimed", claim };
}

/** Renews the claim (`where`, `key`) every third of its visibility; returns what stops it. */
function keepAlive(
  c: PushClaimConfig,
  timers: Set<NodeJS.Timeout>,
  where: string,
  key: string[],
  messageId: string,
): () => void {
  const { pool, names: n } = c;
  const vis = interval(c.visibilityMs);
  let warned = false;
  const timer = setInterval(
    () =>
      void pool
        .query(`UPDATE ${n.pushClaims} SET claimed_until = now() + $5::interval ${where}`, [
          ...key,
          vis,
        ])
        .then(
          () => void (warned = false),
          (err: unknown) => {
            // The claim may expire: a retry on another replica may then run the message again.
            if (warned) return;
            warned = true;
            process.emitWarning(
              new PostgresStoreError(
                `could not keep the push claim of message ${messageId} (it may be run again on another replica once its claim expires)`,
                err,
              ),
            );
          },
        ),
    Math.max(50, Math.floor(c.visibilityMs / 3)),
  );
  timer.unref();
  timers.add(timer);
  return (): void => {
    clearInterval(timer);
    timers.delete(timer);
  };
}

/** Settled, being handled elsewhere, or dead (dead-lettered by this call when its limit is up). */
async function notClaimed(
  c: PushClaimConfig,
  workspaceId: string,
  messageId: string,
  content: string,
): Promise<PushClaimResult> {
  const t = c.names.pushClaims;
  const dead = await c.pool.query<{ deliveries: number }>(
    `UPDATE ${t} SET state = 'dead', dead_at = now(), error = 'delivery_limit', claimed_until = NULL
      WHERE workspace_id = $1 AND message_id = $2 AND content = $3
        AND state = 'claimed' AND claimed_until < now() AND deliveries >= $4
     RETURNING deliveries`,
    [workspaceId, messageId, content, c.maxDeliveries],
  );
  if (dead.rows[0]) return { status: "dead", deliveries: dead.rows[0].deliveries, first: true };
  const { rows } = await c.pool.query<{
    state: string;
    reply: string | null;
    asked: boolean;
    deliveries: number;
    expired: boolean;
  }>(
    `SELECT state, reply, asked, deliveries, claimed_until < now() AS expired FROM ${t}
      WHERE workspace_id = $1 AND message_id = $2 AND content = $3`,
    [workspaceId, messageId, content],
  );
  const r = rows[0];
  if (r?.state === "done") {
    return { status: "settled", reply: r.reply ?? undefined, ...(r.asked ? { asked: true } : {}) };
  }
  if (r?.state === "dead") return { status: "dead", deliveries: r.deliveries, first: false };
  if (r?.state === "claimed" && r.expired) return { status: "redelivered" };
  return { status: "busy" };
}
