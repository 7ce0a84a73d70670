// The tool calls a person is asked about (`CursorState.pendingToolCalls`, issue #81 item 3), kept
// per workspace and shared by its replicas: one row per call. A call's status only moves forward
// (pending, then running, then done or refused), so a replica saving the copy it loaded never
// undoes another's decision, and `claim` takes a pending call for running in one UPDATE (a row
// lock: of two replicas claiming at once, one gets it).
import type { Pool, PoolClient } from "pg";
import { PendingToolCalls, toolCallDigest } from "@molecule-ai/agent-core/org";
import type { PendingToolCallRecord } from "@molecule-ai/agent-core/org";
import { PostgresStoreError } from "./errors.js";
import type { Names } from "./sql.js";

/** Finished calls kept per workspace (the oldest go first; pending and running ones stay). */
const KEPT = 200;

/** A status's place in the order it moves in (SQL). */
const rank = (col: string): string =>
  `(CASE ${col} WHEN 'pending' THEN 0 WHEN 'running' THEN 1 ELSE 2 END)`;

/** A record as compared between saves: JSON with its keys sorted (jsonb reorders them). */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The workspace's calls, oldest first. */
export async function listToolCalls(
  q: Pool | PoolClient,
  n: Names,
  workspaceId: string,
): Promise<PendingToolCallRecord[]> {
  const { rows } = await q.query<{ record: PendingToolCallRecord }>(
    `SELECT record FROM ${n.toolCalls} WHERE workspace_id = $1 ORDER BY seq`,
    [workspaceId],
  );
  return rows.map((r) => r.record);
}

/**
 * Writes the calls an agent saved: new ones are added, a kept one takes the saved copy only when
 * its status moves forward (or both are pending: an updated run). Then the oldest finished calls
 * past {@link KEPT} are deleted.
 */
export async function mergeToolCalls(
  q: Pool | PoolClient,
  n: Names,
  workspaceId: string,
  records: readonly PendingToolCallRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await q.query(
    `INSERT INTO ${n.toolCalls} AS t (workspace_id, call_key, status, digest, record)
     SELECT $1, r->>'key', r->>'status', r->>'digest', r
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(r, i) ORDER BY i
     ON CONFLICT (workspace_id, call_key) DO UPDATE
       SET status = EXCLUDED.status, digest = EXCLUDED.digest, record = EXCLUDED.record,
           updated_at = now()
       WHERE ${rank("t.status")} < ${rank("EXCLUDED.status")}
          OR (t.status = 'pending' AND EXCLUDED.status = 'pending')`,
    [workspaceId, JSON.stringify(records)],
  );
  await pruneToolCalls(q, n, workspaceId);
}

/** Deletes the workspace's oldest finished calls past {@link KEPT}. */
async function pruneToolCalls(q: Pool | PoolClient, n: Names, workspaceId: string): Promise<void> {
  await q.query(
    `DELETE FROM ${n.toolCalls} WHERE workspace_id = $1 AND call_key IN (
       SELECT call_key FROM ${n.toolCalls}
        WHERE workspace_id = $1 AND status IN ('done', 'refused')
        ORDER BY seq DESC OFFSET ${KEPT})`,
    [workspaceId],
  );
}

/**
 * The calls of one workspace read and changed in the database itself, for every replica at once:
 * pass it to an adapter (`pendingToolCalls`) so an approved call is taken for running by one
 * replica only, even when two get the decision at the same time. Same methods as core's
 * `PendingToolCalls`; nothing is cached.
 */
export class PostgresPendingToolCalls extends PendingToolCalls {
  readonly #pool: Pool;
  readonly #n: Names;
  readonly #ws: string;
  readonly #ready: () => Promise<void>;

  constructor(o: { pool: Pool; names: Names; workspaceId: string; ready: () => Promise<void> }) {
    super();
    this.#pool = o.pool;
    this.#n = o.names;
    this.#ws = o.workspaceId;
    this.#ready = o.ready;
  }

  override async get(key: string): Promise<PendingToolCallRecord | undefined> {
    return await this.#run("read the pending tool calls", async () => {
      const { rows } = await this.#pool.query<{ record: PendingToolCallRecord }>(
        `SELECT record FROM ${this.#n.toolCalls} WHERE workspace_id = $1 AND call_key = $2`,
        [this.#ws, key],
      );
      return rows[0]?.record;
    });
  }

  override async forMessage(messageKey: string): Promise<PendingToolCallRecord[]> {
    return (await this.list()).filter((r) => r.messageKey === messageKey);
  }

  override async list(): Promise<PendingToolCallRecord[]> {
    return await this.#run("read the pending tool calls", () =>
      listToolCalls(this.#pool, this.#n, this.#ws),
    );
  }

  /** As core's: records a call still pending (or new), else resolves with the record kept. */
  override async record(
    entry: Omit<PendingToolCallRecord, "status" | "createdAt" | "digest">,
  ): Promise<PendingToolCallRecord> {
    const rec: PendingToolCallRecord = {
      ...entry,
      digest: toolCallDigest(entry.tool, entry.input),
      status: "pending",
      createdAt: new Date().toISOString(),
    };
    return await this.#run("record a pending tool call", async () => {
      const { rows } = await this.#pool.query<{ record: PendingToolCallRecord }>(
        `WITH up AS (
           INSERT INTO ${this.#n.toolCalls} AS t (workspace_id, call_key, status, digest, record)
           VALUES ($1, $2, 'pending', $3, $4::jsonb)
           ON CONFLICT (workspace_id, call_key) DO UPDATE
             SET digest = EXCLUDED.digest, updated_at = now(),
                 record = EXCLUDED.record || jsonb_build_object('createdAt', t.record->'createdAt')
             WHERE t.status = 'pending'
           RETURNING record)
         SELECT record FROM up
         UNION ALL
         SELECT record FROM ${this.#n.toolCalls}
          WHERE workspace_id = $1 AND call_key = $2 AND NOT EXISTS (SELECT 1 FROM up)`,
        [this.#ws, rec.key, rec.digest, JSON.stringify(rec)],
      );
      await pruneToolCalls(this.#pool, this.#n, this.#ws);
      return rows[0]?.record ?? rec;
    });
  }

  /**
   * Takes an approved call for running, once across every replica: `true` for the one UPDATE that
   * found it `pending` with this digest (a concurrent one waits for its row lock, then finds it
   * `running`).
   */
  override async claim(key: string, digest: string): Promise<boolean> {
    return await this.#run("take an approved tool call for running", async () => {
      const { rowCount } = await this.#pool.query(
        `UPDATE ${this.#n.toolCalls}
            SET status = 'running', record = jsonb_set(record, '{status}', '"running"'),
                updated_at = now()
          WHERE workspace_id = $1 AND call_key = $2 AND status = 'pending' AND digest = $3`,
        [this.#ws, key, digest],
      );
      return rowCount === 1;
    });
  }

  override async finish(
    keys: readonly string[],
    status: "done" | "refused" = "done",
  ): Promise<void> {
    await this.#run("finish a tool call", async () => {
      await this.#pool.query(
        `UPDATE ${this.#n.toolCalls}
            SET status = $3, record = jsonb_set(record, '{status}', to_jsonb($3::text)),
                updated_at = now()
          WHERE workspace_id = $1 AND call_key = ANY($2::text[])`,
        [this.#ws, [...keys], status],
      );
    });
  }

  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      await this.#ready();
      return await fn();
    } catch (err) {
      if (err instanceof PostgresStoreError) throw err;
      throw new PostgresStoreError(`could not ${what}`, err);
    }
  }
}
