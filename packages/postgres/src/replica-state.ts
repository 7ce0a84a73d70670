// The per-replica part of the agent state (its reply outbox: answers whose handler finished but
// which are not sent yet), one row per (replica, workspace): agents of several workspaces on one
// store keep their answers apart. A replica that starts adopts the rows its workspace's replicas
// gone silent left, so the answers a killed replica left are sent by the next one of the same
// workspace that starts. A workspace's state also keeps what a push agent learned about its
// platform's bearer (`platformPush`): one row per workspace, shared by its replicas, so a replica
// that starts, or restarts, knows it before register answers (see the agent's platform-bearer.ts).
// The workspace's tool calls a person is asked about (`pendingToolCalls`) are shared the same way
// (tool-calls.ts): a replica writes only the calls its agent changed, never moving one back.
import type { Pool, PoolClient } from "pg";
import type { CursorState, PlatformPushRecord } from "@molecule-ai/agent-core/store";
import type { PendingToolCallRecord } from "@molecule-ai/agent-core/org";
import type { CursorStore } from "@molecule-ai/agent-core";
import { PostgresStoreError } from "./errors.js";
import { type Names, interval } from "./sql.js";
import { canonical, listToolCalls, mergeToolCalls } from "./tool-calls.js";

/** A SHA-256 digest as the agent keeps it (hex). */
const DIGEST = /^[0-9a-f]{64}$/;

/** Rows saved before states were keyed by workspace (schema version 11), or by an unkeyed state. */
const NO_WORKSPACE = "";

/** A replica's saved state of one workspace, with orphan adoption on load. */
export class ReplicaStateStore implements CursorStore {
  readonly #pool: Pool;
  readonly #n: Names;
  readonly #replicaId: string;
  readonly #workspaceId: string | undefined;
  /** The workspace key of this state's rows (`''` when it has no workspace). */
  readonly #key: string;
  /** The row keys this state loads and adopts: its own, and `''` when it takes the old rows. */
  readonly #keys: string[];
  readonly #orphanAfterMs: number;
  readonly #ready: () => Promise<void>;
  /**
   * The workspace's `platformPush` as this replica last read or wrote it (JSON): a save writes it
   * only when the agent's differs, so the copy an agent loaded and saves again with each outbox
   * write never overwrites what another replica learned since.
   */
  #platformKept = keyOf({});
  /**
   * The workspace's tool calls as this replica last read or wrote them (JSON by key): a save
   * writes only the calls the agent changed since, as for `platformPush`.
   */
  #callsKept = new Map<string, string>();

  constructor(o: {
    pool: Pool;
    names: Names;
    replicaId: string;
    /**
     * The workspace of this state: its rows are keyed by it, and its `platformPush` is kept (none:
     * rows keyed `''`, no `platformPush`).
     */
    workspaceId?: string | undefined;
    /** Also adopt the rows keyed `''` (the store's one declared workspace). */
    adoptUnkeyed?: boolean;
    orphanAfterMs: number;
    ready: () => Promise<void>;
  }) {
    this.#pool = o.pool;
    this.#n = o.names;
    this.#replicaId = o.replicaId;
    this.#workspaceId = o.workspaceId;
    this.#key = o.workspaceId ?? NO_WORKSPACE;
    this.#keys = o.adoptUnkeyed === true ? [this.#key, NO_WORKSPACE] : [this.#key];
    this.#orphanAfterMs = o.orphanAfterMs;
    this.#ready = o.ready;
  }

  /**
   * This replica's state of the workspace merged with the states its replicas silent for longer
   * than the threshold left, and the workspace's `platformPush`.
   */
  async load(): Promise<CursorState | undefined> {
    await this.#ready();
    return await this.#transaction(async (client) => {
      const { rows } = await client.query<{
        replica_id: string;
        workspace_id: string;
        state: CursorState;
      }>(
        `SELECT replica_id, workspace_id, state FROM ${this.#n.replicaState}
          WHERE workspace_id = ANY($3::text[])
            AND (replica_id = $1 OR seen_at < now() - $2::interval)
          ORDER BY replica_id = $1 AND workspace_id = $4 DESC
          FOR UPDATE SKIP LOCKED`,
        [this.#replicaId, interval(this.#orphanAfterMs), this.#keys, this.#key],
      );
      const merged: CursorState = {};
      const outbox = rows.flatMap((r) => r.state.outbox ?? []);
      if (outbox.length > 0) merged.outbox = outbox;
      const adopted = rows.filter(
        (r) => r.replica_id !== this.#replicaId || r.workspace_id !== this.#key,
      );
      if (adopted.length > 0) {
        await client.query(
          `DELETE FROM ${this.#n.replicaState}
            WHERE (replica_id, workspace_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
          [adopted.map((r) => r.replica_id), adopted.map((r) => r.workspace_id)],
        );
      }
      await this.#upsert(client, merged);
      const platform = await this.#loadPlatform(client);
      if (platform !== undefined) merged.platformPush = platform;
      const calls = this.#workspaceId === undefined ? [] : await this.#loadCalls(client);
      if (calls.length > 0) merged.pendingToolCalls = calls;
      return rows.length > 0 || platform !== undefined || calls.length > 0 ? merged : undefined;
    });
  }

  /**
   * Replaces this replica's state (and the workspace's `platformPush` when the agent's changed). A
   * failure throws a {@link PostgresStoreError} (the agent then retries it, emits
   * `storeUnwritable` and takes no new work until a save succeeds).
   */
  async save(state: CursorState): Promise<void> {
    const own: CursorState = state.outbox ? { outbox: state.outbox } : {};
    const platform = this.#workspaceId === undefined ? undefined : state.platformPush;
    const kept = platform === undefined ? this.#platformKept : keyOf(platform);
    const calls = this.#workspaceId === undefined ? [] : this.#changedCalls(state);
    try {
      await this.#ready();
      if (kept === this.#platformKept && calls.length === 0) {
        await this.#upsert(this.#pool, own);
        return;
      }
      await this.#transaction(async (client) => {
        if (calls.length > 0) await mergeToolCalls(client, this.#n, this.#key, calls);
        if (kept === this.#platformKept) return await this.#upsert(client, own);
        await client.query(
          `INSERT INTO ${this.#n.platformPush} (workspace_id, bearer, signs, updated_at)
           VALUES ($1, $2, $3, now())
           ON CONFLICT (workspace_id) DO UPDATE
             SET bearer = EXCLUDED.bearer, signs = EXCLUDED.signs, updated_at = now()`,
          [this.#workspaceId, platform?.bearer ?? null, platform?.signs === true],
        );
        await this.#upsert(client, own);
      });
      this.#platformKept = kept;
      for (const c of calls) this.#callsKept.set(c.key, canonical(c));
    } catch (err) {
      throw new PostgresStoreError("could not save the agent's state (reply outbox)", err);
    }
  }

  /** Marks this replica alive, in every workspace (its states are not adopted while it is). */
  async touch(): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#n.replicaState} SET seen_at = now() WHERE replica_id = $1`,
      [this.#replicaId],
    );
  }

  /** The workspace's `platformPush` (checked as the file store checks it), when it has one. */
  async #loadPlatform(client: PoolClient): Promise<PlatformPushRecord | undefined> {
    if (this.#workspaceId === undefined) return undefined;
    const { rows } = await client.query<{ bearer: string | null; signs: boolean }>(
      `SELECT bearer, signs FROM ${this.#n.platformPush} WHERE workspace_id = $1`,
      [this.#workspaceId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const record: PlatformPushRecord = {
      ...(row.bearer !== null && DIGEST.test(row.bearer) ? { bearer: row.bearer } : {}),
      ...(row.signs ? { signs: true } : {}),
    };
    this.#platformKept = keyOf(record);
    return record;
  }

  /** The workspace's tool calls, remembered as this replica's copy. */
  async #loadCalls(client: PoolClient): Promise<PendingToolCallRecord[]> {
    const calls = await listToolCalls(client, this.#n, this.#key);
    this.#callsKept = new Map(calls.map((c) => [c.key, canonical(c)]));
    return calls;
  }

  /** The agent's tool calls that differ from this replica's copy (see {@link #callsKept}). */
  #changedCalls(state: CursorState): PendingToolCallRecord[] {
    return (state.pendingToolCalls ?? []).filter(
      (c) => this.#callsKept.get(c.key) !== canonical(c),
    );
  }

  /** Runs `fn` in a transaction on one connection. */
  async #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async #upsert(q: Pool | PoolClient, state: CursorState): Promise<void> {
    await q.query(
      `INSERT INTO ${this.#n.replicaState} (replica_id, workspace_id, state, seen_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (replica_id, workspace_id) DO UPDATE SET state = EXCLUDED.state, seen_at = now()`,
      [this.#replicaId, this.#key, JSON.stringify(state)],
    );
  }
}

/** A `platformPush` record as compared between saves (its fields in one order). */
function keyOf(record: PlatformPushRecord): string {
  return JSON.stringify({ bearer: record.bearer, signs: record.signs === true });
}
