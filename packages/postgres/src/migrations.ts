// Versioned schema migrations the store applies itself: idempotent, and safe when several replicas
// start at once (one transaction under a transaction-level advisory lock per table prefix).
import type { Pool } from "pg";
import type { Names } from "./sql.js";

/** One schema version: the statements that move the schema from the previous version to it. */
interface Migration {
  version: number;
  up(n: Names): string[];
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (n) => [
      `CREATE TABLE ${n.cursors} (
         workspace_id text PRIMARY KEY,
         cursor text,
         cursor_at timestamptz,
         updated_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE ${n.work} (
         workspace_id text NOT NULL,
         activity_id text NOT NULL,
         message_id text,
         seq bigserial NOT NULL,
         body jsonb NOT NULL,
         state text NOT NULL DEFAULT 'pending',
         deliveries integer NOT NULL DEFAULT 0,
         claimed_by text,
         claimed_until timestamptz,
         created_at timestamptz NOT NULL DEFAULT now(),
         settled_at timestamptz,
         PRIMARY KEY (workspace_id, activity_id))`,
      `CREATE UNIQUE INDEX ${n.work}_message ON ${n.work} (workspace_id, message_id)
         WHERE message_id IS NOT NULL`,
      `CREATE INDEX ${n.work}_open ON ${n.work} (workspace_id, seq) WHERE state <> 'done'`,
      `CREATE INDEX ${n.work}_settled ON ${n.work} (settled_at) WHERE state = 'done'`,
      `CREATE TABLE ${n.replicaState} (
         replica_id text PRIMARY KEY,
         state jsonb NOT NULL,
         seen_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE ${n.pushClaims} (
         workspace_id text NOT NULL,
         message_id text NOT NULL,
         state text NOT NULL,
         reply text,
         deliveries integer NOT NULL DEFAULT 1,
         claimed_by text,
         claimed_until timestamptz,
         created_at timestamptz NOT NULL DEFAULT now(),
         settled_at timestamptz,
         PRIMARY KEY (workspace_id, message_id))`,
      `CREATE INDEX ${n.pushClaims}_settled ON ${n.pushClaims} (settled_at) WHERE state = 'done'`,
    ],
  },
  {
    // Poll leadership as a lease with an epoch (fencing), the backfill "none" start marker, and
    // dead letters (state 'dead': delivered maxDeliveries times, never settled).
    version: 2,
    up: (n) => [
      `CREATE TABLE ${n.leases} (
         workspace_id text PRIMARY KEY,
         holder text NOT NULL,
         epoch bigint NOT NULL,
         expires_at timestamptz NOT NULL)`,
      `ALTER TABLE ${n.cursors} ADD COLUMN started_at timestamptz, ADD COLUMN epoch bigint`,
      `ALTER TABLE ${n.work} ADD COLUMN dead_at timestamptz, ADD COLUMN error text`,
      `CREATE INDEX ${n.work}_dead ON ${n.work} (workspace_id, dead_at) WHERE state = 'dead'`,
    ],
  },
  {
    // The A2A task store of push replicas (tasks/get and tasks/cancel on any replica).
    version: 3,
    up: (n) => [
      `CREATE TABLE ${n.tasks} (
         task_id text PRIMARY KEY,
         context_id text NOT NULL,
         state text NOT NULL,
         task jsonb NOT NULL,
         replica_id text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE INDEX ${n.tasks}_updated ON ${n.tasks} (updated_at)`,
    ],
  },
  {
    // Dead letters of push claims (the delivery limit applies to pushed messages too), and the
    // liveness of replicas running A2A tasks (a dead replica's tasks end as 'failed').
    version: 4,
    up: (n) => [
      `ALTER TABLE ${n.pushClaims} ADD COLUMN dead_at timestamptz, ADD COLUMN error text`,
      `CREATE INDEX ${n.pushClaims}_dead ON ${n.pushClaims} (workspace_id, dead_at)
         WHERE state = 'dead'`,
      `CREATE TABLE ${n.replicaLeases} (
         replica_id text PRIMARY KEY,
         alive_until timestamptz NOT NULL)`,
      `CREATE INDEX ${n.tasks}_open ON ${n.tasks} (replica_id)
         WHERE state NOT IN ('completed', 'canceled', 'failed', 'rejected')`,
    ],
  },
  {
    // Every A2A task belongs to one workspace (answered only to it), and a change order per task
    // for ListTasks pages (most recently changed first). Tasks stored before belong to no
    // workspace (''): no agent of a workspace sees them; retention removes them.
    version: 5,
    up: (n) => [
      `ALTER TABLE ${n.tasks} ADD COLUMN workspace_id text NOT NULL DEFAULT '',
         ADD COLUMN seq bigserial`,
      `CREATE INDEX ${n.tasks}_workspace ON ${n.tasks} (workspace_id, seq DESC)`,
    ],
  },
  {
    // Whether a settled push claim's reply is a question (`askForInput`): a resend of the message
    // is then answered as the question's task, not as a plain message.
    version: 6,
    up: (n) => [`ALTER TABLE ${n.pushClaims} ADD COLUMN asked boolean NOT NULL DEFAULT false`],
  },
  {
    // A polled message's messageId is unique within its sender (the platform-authenticated
    // source_id, '' for none): another sender reusing an id is its own message. Rows queued before
    // take their sender from the stored activity row.
    version: 7,
    up: (n) => [
      `ALTER TABLE ${n.work} ADD COLUMN sender text NOT NULL DEFAULT ''`,
      `UPDATE ${n.work} SET sender = coalesce(nullif(body->>'source_id', 'user'), '')`,
      `DROP INDEX ${n.work}_message`,
      `CREATE UNIQUE INDEX ${n.work}_message ON ${n.work} (workspace_id, sender, message_id)
         WHERE message_id IS NOT NULL`,
    ],
  },
  {
    // A pushed message is its messageId and its content fingerprint (no sender of a push is
    // authenticated): another message sent under the same id is claimed apart. Claims made before
    // have no fingerprint ('') and match no new claim.
    version: 8,
    up: (n) => [
      `ALTER TABLE ${n.pushClaims} ADD COLUMN content text NOT NULL DEFAULT ''`,
      `ALTER TABLE ${n.pushClaims} DROP CONSTRAINT ${n.pushClaims}_pkey`,
      `ALTER TABLE ${n.pushClaims} ADD PRIMARY KEY (workspace_id, message_id, content)`,
    ],
  },
  {
    // The push notification configs of A2A tasks (webhooks, A2A v1.0 §3.1.7), kept in the
    // workspace of their task and deleted with it (retention).
    version: 9,
    up: (n) => [
      `CREATE TABLE ${n.pushConfigs} (
         workspace_id text NOT NULL,
         task_id text NOT NULL REFERENCES ${n.tasks} (task_id) ON DELETE CASCADE,
         config_id text NOT NULL,
         config jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (workspace_id, task_id, config_id))`,
      `CREATE INDEX ${n.pushConfigs}_task ON ${n.pushConfigs} (task_id)`,
    ],
  },
  {
    // What a push agent learned about its platform's bearer (the SHA-256 of the header, never the
    // secret, and whether the platform signs its pushes), one row per workspace: every replica of
    // the workspace, and a restarted one, knows it before register answers.
    version: 10,
    up: (n) => [
      `CREATE TABLE ${n.platformPush} (
         workspace_id text PRIMARY KEY,
         bearer text,
         signs boolean NOT NULL DEFAULT false,
         updated_at timestamptz NOT NULL DEFAULT now())`,
    ],
  },
  {
    // Each replica's state (its reply outbox) per workspace: agents of several workspaces on one
    // store keep their unsent answers apart. Rows saved before belong to no workspace (''): only
    // the store's `workspaceId` (declared the store's one workspace) adopts them.
    version: 11,
    up: (n) => [
      `ALTER TABLE ${n.replicaState} ADD COLUMN workspace_id text NOT NULL DEFAULT ''`,
      `ALTER TABLE ${n.replicaState} DROP CONSTRAINT ${n.replicaState}_pkey`,
      `ALTER TABLE ${n.replicaState} ADD PRIMARY KEY (replica_id, workspace_id)`,
    ],
  },
  {
    // The tool calls a person is asked about (`pendingToolCalls`), one row per workspace and call
    // shared by the workspace's replicas: an approval asked by one replica is completed by another
    // after a restart, and a call is taken for running once (`status` moves forward only).
    version: 12,
    up: (n) => [
      `CREATE TABLE ${n.toolCalls} (
         workspace_id text NOT NULL,
         call_key text NOT NULL,
         status text NOT NULL,
         digest text NOT NULL,
         record jsonb NOT NULL,
         seq bigserial NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (workspace_id, call_key))`,
      `CREATE INDEX ${n.toolCalls}_order ON ${n.toolCalls} (workspace_id, seq)`,
    ],
  },
  {
    // The approval requests agents wait on (`pendingApprovalsFor`), one row per workspace and wait
    // key shared by the workspace's replicas: a replica that takes over after a restart resumes
    // the request another opened instead of opening a second one.
    version: 13,
    up: (n) => [
      `CREATE TABLE ${n.approvals} (
         workspace_id text NOT NULL,
         wait_key text NOT NULL,
         approval_id text,
         record jsonb NOT NULL,
         seq bigserial NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (workspace_id, wait_key))`,
      `CREATE INDEX ${n.approvals}_order ON ${n.approvals} (workspace_id, seq)`,
    ],
  },
];

/** The schema version this package writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/**
 * Brings the schema to {@link SCHEMA_VERSION}. Returns the versions applied by this call (empty
 * when another replica, or an earlier start, applied them).
 */
export async function migrate(pool: Pool, n: Names): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Serialises concurrent starts: the second waits, then sees every version applied.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`${n.prefix}migrations`]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${n.migrations} (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${n.migrations}`);
    const have = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      for (const sql of m.up(n)) await client.query(sql);
      await client.query(`INSERT INTO ${n.migrations} (version) VALUES ($1)`, [m.version]);
      applied.push(m.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
