// Dead letters of the shared poll delivery: messages delivered `maxDeliveries` times without ever
// settling (each replica that ran them crashed or hung). The row stays in the work table with state
// 'dead' until you delete it; the replica that dead-lettered it reports it to the agent.
import type { Pool } from "pg";
import type { InboundMessage } from "@molecule-ai/agent-core";
import type { SharedPollContext } from "@molecule-ai/agent-core/store";
import { parseActivityRow } from "@molecule-ai/agent-core/wire";
import { PostgresDeliveryLimitError, describe } from "./errors.js";
import type { Names } from "./sql.js";
import type { ClaimedRow } from "./work-queue.js";

/** One dead-lettered message, as `store.deadLetters()` lists it. */
export interface DeadLetter {
  /** The workspace that received it. */
  workspaceId: string;
  /** Its activity row id. */
  activityId: string;
  /** Its A2A messageId, when it has one. */
  messageId: string | undefined;
  /** How many times it was delivered (claimed) before it was dead-lettered. */
  deliveries: number;
  /** When it was dead-lettered. */
  deadAt: Date;
  /** Why: `"delivery_limit"`. */
  error: string;
  /** The message, parsed from the stored activity row (undefined if it no longer parses). */
  message: InboundMessage | undefined;
}

/** Lists dead letters, oldest first (of one workspace when `workspaceId` is given). */
export async function listDeadLetters(
  pool: Pool,
  n: Names,
  workspaceId?: string,
): Promise<DeadLetter[]> {
  const { rows } = await pool.query<{
    workspace_id: string;
    activity_id: string;
    message_id: string | null;
    deliveries: number;
    dead_at: Date;
    error: string | null;
    body: unknown;
  }>(
    `SELECT workspace_id, activity_id, message_id, deliveries, dead_at, error, body
       FROM ${n.work} WHERE state = 'dead' AND ($1::text IS NULL OR workspace_id = $1)
      ORDER BY dead_at, seq`,
    [workspaceId ?? null],
  );
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    activityId: r.activity_id,
    messageId: r.message_id ?? undefined,
    deliveries: r.deliveries,
    deadAt: r.dead_at,
    error: r.error ?? "",
    message: parseActivityRow(r.body) ?? undefined,
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
