// The per-replica part of the agent state (its reply outbox: answers whose handler finished but
// which are not sent yet). A replica that starts adopts the state of replicas gone silent, so the
// answers a killed replica left are sent by the next one that starts.
import type { Pool, PoolClient } from "pg";
import type { CursorState } from "@molecule-ai/agent-core/store";
import type { CursorStore } from "@molecule-ai/agent-core";
import { PostgresStoreError } from "./errors.js";
import { type Names, interval } from "./sql.js";

/** A replica's saved state, with orphan adoption on load. */
export class ReplicaStateStore implements CursorStore {
  readonly #pool: Pool;
  readonly #n: Names;
  readonly #replicaId: string;
  readonly #orphanAfterMs: number;
  readonly #ready: () => Promise<void>;

  constructor(o: {
    pool: Pool;
    names: Names;
    replicaId: string;
    orphanAfterMs: number;
    ready: () => Promise<void>;
  }) {
    this.#pool = o.pool;
    this.#n = o.names;
    this.#replicaId = o.replicaId;
    this.#orphanAfterMs = o.orphanAfterMs;
    this.#ready = o.ready;
  }

  /** This replica's state merged with the state of replicas silent for longer than the threshold. */
  async load(): Promise<CursorState | undefined> {
    await this.#ready();
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ replica_id: string; state: CursorState }>(
        `SELECT replica_id, state FROM ${this.#n.replicaState}
          WHERE replica_id = $1 OR seen_at < now() - $2::interval
          ORDER BY replica_id = $1 DESC
          FOR UPDATE SKIP LOCKED`,
        [this.#replicaId, interval(this.#orphanAfterMs)],
      );
      const merged: CursorState = {};
      const outbox = rows.flatMap((r) => r.state.outbox ?? []);
      if (outbox.length > 0) merged.outbox = outbox;
      const orphans = rows.map((r) => r.replica_id).filter((id) => id !== this.#replicaId);
      if (orphans.length > 0) {
        await client.query(
          `DELETE FROM ${this.#n.replicaState} WHERE replica_id = ANY($1::text[])`,
          [orphans],
        );
      }
      await this.#upsert(client, merged);
      await client.query("COMMIT");
      return rows.length > 0 ? merged : undefined;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Replaces this replica's state. A failure throws a {@link PostgresStoreError} (the agent then
   * retries it, emits `storeUnwritable` and takes no new work until a save succeeds).
   */
  async save(state: CursorState): Promise<void> {
    try {
      await this.#ready();
      await this.#upsert(this.#pool, state.outbox ? { outbox: state.outbox } : {});
    } catch (err) {
      throw new PostgresStoreError("could not save the agent's reply outbox", err);
    }
  }

  /** Marks this replica alive (its state is not adopted while it is). */
  async touch(): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#n.replicaState} SET seen_at = now() WHERE replica_id = $1`,
      [this.#replicaId],
    );
  }

  async #upsert(q: Pool | PoolClient, state: CursorState): Promise<void> {
    await q.query(
      `INSERT INTO ${this.#n.replicaState} (replica_id, state, seen_at) VALUES ($1, $2, now())
       ON CONFLICT (replica_id) DO UPDATE SET state = EXCLUDED.state, seen_at = now()`,
      [this.#replicaId, JSON.stringify(state)],
    );
  }
}
