// Dead letters of the shared store: messages delivered `maxDeliveries` times without ever settling
// (each replica that ran them crashed or hung). A poll message's row stays in the work table, a
// pushed one's in the push claims table, with state 'dead' until you delete it; the replica that
// dead-lettered it reports it to the agent.
import type { Pool } from "pg";
import type { InboundMessage } from "@molecule-ai/agent-core";
import type { SharedPollContext } from "@molecule-ai/agent-core/store";
import { parseActivityRow } from "@molecule-ai/agent-core/wire";
import { PostgresDeliveryLimitError, describe } from "./errors.js";
import type { Names } from "./sql.js";
import type { ClaimedRow } from "./work-queue.js";

/** One dead-lettered message, as `store.deadLetters()` lists it. */
export interface DeadLetter {
  /** How it came: a poll row (work table) or a push request (push claims table). */
  delivery: "poll" | "push";
  /** The workspace that received it. */
  workspaceId: string;
  /** Its activity row id (poll; a pushed message has none). */
  activityId: string | undefined;
  /** Its A2A messageId, when it has one. */
  messageId: string | undefined;
  /** How many times it was delivered (claimed) before it was dead-lettered. */
  deliveries: number;
  /** When it was dead-lettered. */
  deadAt: Date;
  /** Why: `"delivery_limit"`. */
  error: string;
  /** The message, parsed from the stored activity row (poll; undefined if it no longer parses). */
  message: InboundMessage | undefined;
}

/** Lists dead letters, poll and push, oldest first (of one workspace when `workspaceId` is given). */
export async function listDeadLetters(
  pool: Pool,
  n: Names,
  workspaceId?: string,
): Promise<DeadLetter[]> {
  const { rows } = await pool.query<{
    delivery: "poll" | "push";
    workspace_id: string;
    activity_id: string | null;
    message_id: string | null;
    deliveries: number;
    dead_at: Date;
    error: string | null;
    body: unknown;
  }>(
    `SELECT 'poll' AS delivery, workspace_id, activity_id, message_id, deliveries, dead_at, error,
            body, seq
       FROM ${n.work} WHERE state = 'dead' AND ($1::text IS NULL OR workspace_id = $1)
     UNION ALL
     SELECT 'push', workspace_id, NULL, message_id, deliveries, dead_at, error, NULL, 0
       FROM ${n.pushClaims} WHERE state = 'dead' AND ($1::text IS NULL OR workspace_id = $1)
      ORDER BY dead_at, seq`,
    [workspaceId ?? null],
  );
  return rows.map((r) => ({
    delivery: r.delivery,
    workspaceId: r.workspace_id,
    activityId: r.activity_id ?? undefined,
    messageId: r.message_id ?? undefined,
    deliveries: r.deliveries,
    deadAt: r.dead_at,
    error: r.error ?? "",
    message: r.body === null ? undefined : (parseActivityRow(r.body) ?? undefined),
  }));
}

/** Reports a row this replica dead-lettered: the agent's `deadLettered` event and `onDeadLetter`. */
export async function reportDeadLetter(
  ctx: SharedPollContext,
  n: Names,
  row: ClaimedRow,
): Promise<void> {
  const msg = parseActivityRow(row.body);
  const error = new PostgresDeliveryLimitError({
    activityId: row.activityId,
    messageId: msg?.messageId,
    deliveries: row.deliveries,
    table: n.work,
  });
  ctx.logger.error?.("inbound message dead-lettered: delivery limit reached", {
    activityId: row.activityId,
    messageId: msg?.messageId,
    deliveries: row.deliveries,
  });
  if (!msg || !ctx.deadLetter) return;
  try {
    await ctx.deadLetter(msg, error);
  } catch (err) {
    ctx.logger.error?.("reporting a dead letter failed; its row stays in the table", {
      activityId: row.activityId,
      error: describe(err),
    });
  }
}
