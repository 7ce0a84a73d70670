// The approval requests an agent waits on (issue #81), kept per workspace and shared by its
// replicas: one row per (workspace, wait key) with the request's id, reference and digest, so a
// replica that takes over after a restart resumes the same request instead of opening another.
import type { Pool } from "pg";
import { PENDING_APPROVALS_KEPT } from "@molecule-ai/agent-core/org";
import type { PendingApprovalRecord, PendingApprovalStore } from "@molecule-ai/agent-core/org";
import { PostgresStoreError } from "./errors.js";
import type { Names } from "./sql.js";

/**
 * The approval requests of one workspace's waits, read and written in the database for every
 * replica (no copy in memory); at most `PENDING_APPROVALS_KEPT` rows per workspace, the oldest go
 * first.
 */
export class PostgresPendingApprovals implements PendingApprovalStore {
  readonly #pool: Pool;
  readonly #n: Names;
  readonly #ws: string;
  readonly #ready: () => Promise<void>;

  constructor(o: { pool: Pool; names: Names; workspaceId: string; ready: () => Promise<void> }) {
    this.#pool = o.pool;
    this.#n = o.names;
    this.#ws = o.workspaceId;
    this.#ready = o.ready;
  }

  async list(): Promise<PendingApprovalRecord[]> {
    return await this.#run("read the pending approval requests", async () => {
      const { rows } = await this.#pool.query<{ record: PendingApprovalRecord }>(
        `SELECT record FROM ${this.#n.approvals} WHERE workspace_id = $1 ORDER BY seq`,
        [this.#ws],
      );
      return rows.map((r) => r.record);
    });
  }

  async get(key: string): Promise<PendingApprovalRecord | undefined> {
    return await this.#run("read a pending approval request", async () => {
      const { rows } = await this.#pool.query<{ record: PendingApprovalRecord }>(
        `SELECT record FROM ${this.#n.approvals} WHERE workspace_id = $1 AND wait_key = $2`,
        [this.#ws, key],
      );
      return rows[0]?.record;
    });
  }

  async put(record: PendingApprovalRecord): Promise<void> {
    await this.#run("save a pending approval request", async () => {
      await this.#pool.query(
        `INSERT INTO ${this.#n.approvals} (workspace_id, wait_key, approval_id, record)
         VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (workspace_id, wait_key) DO UPDATE
           SET approval_id = EXCLUDED.approval_id, record = EXCLUDED.record, updated_at = now()`,
        [this.#ws, record.key, record.approvalId, JSON.stringify(record)],
      );
      await this.#pool.query(
        `DELETE FROM ${this.#n.approvals} WHERE workspace_id = $1 AND wait_key IN (
           SELECT wait_key FROM ${this.#n.approvals} WHERE workspace_id = $1
            ORDER BY seq DESC OFFSET ${PENDING_APPROVALS_KEPT})`,
        [this.#ws],
      );
    });
  }

  async delete(key: string, approvalId: string | null): Promise<void> {
    await this.#run("forget an answered approval request", async () => {
      await this.#pool.query(
        `DELETE FROM ${this.#n.approvals}
          WHERE workspace_id = $1 AND wait_key = $2 AND approval_id IS NOT DISTINCT FROM $3`,
        [this.#ws, key, approvalId],
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
