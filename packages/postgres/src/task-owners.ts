// Tasks of a dead replica: a replica that stores A2A tasks renews a lease on its id
// (`<prefix>replica_leases`) every third of `visibilityTimeoutMs`; a task still `submitted` or
// `working` whose replica's lease has lapsed (kill -9, OOM, node lost) is ended as `failed`, with a
// message saying so (and a change notification for `tasks/resubscribe` streams), by the next
// renewal of any live replica, or when any replica reads it (`tasks/get`, `tasks/cancel`).
import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import type { A2ATask } from "@molecule-ai/agent-core/a2a";
import type { A2ATaskStore, TaskCancelResult, TaskWatch } from "@molecule-ai/agent-core/store";
import { type Names, interval } from "./sql.js";
import { TERMINAL } from "./tasks.js";

/**
 * The states of a task its replica is running. A task in `input-required` (or `auth-required`)
 * waits for its caller, not for a replica: any replica takes the answer, so it never fails here.
 */
const RUNNING = ["submitted", "working"];

/** What {@link TaskOwners} needs. */
export interface TaskOwnersConfig {
  pool: Pool;
  names: Names;
  replicaId: string;
  /** A replica silent for this long is dead (the store's `visibilityTimeoutMs`). */
  leaseMs: number;
  ready: () => Promise<void>;
}

/** See the file comment. */
export class TaskOwners {
  readonly #c: TaskOwnersConfig;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: TaskOwnersConfig) {
    this.#c = config;
  }

  /** Starts renewing this replica's lease (from its first stored task until `close`). */
  start(): void {
    if (this.#timer || this.#closed) return;
    void this.#renew();
    this.#timer = setInterval(() => void this.#renew(), Math.max(50, this.#c.leaseMs / 3));
    this.#timer.unref();
  }

  /**
   * Ends as `failed` the running tasks (`submitted`, `working`) whose replica's lease has lapsed
   * (or, for a replica that never wrote one, that it has not touched for a lease time): `taskId`'s
   * only, or all of them.
   */
  async reap(taskId?: string): Promise<number> {
    await this.#c.ready();
    const { tasks, replicaLeases } = this.#c.names;
    const status = {
      state: "failed",
      timestamp: new Date().toISOString(),
      message: {
        kind: "message",
        role: "agent",
        messageId: randomUUID(),
        parts: [
          {
            kind: "text",
            text: `The agent replica running this task stopped (no sign of life for ${this.#c.leaseMs} ms) before it finished; the task will not complete. Send the message again to retry.`,
          },
        ],
      },
    };
    const r = await this.#c.pool.query(
      `WITH f AS (
       UPDATE ${tasks} t
          SET state = 'failed', updated_at = now(),
              task = jsonb_set(t.task, '{status}',
                               $2::jsonb || jsonb_build_object('message',
                                 ($2::jsonb -> 'message') || jsonb_build_object('contextId', t.context_id)))
        WHERE ($1::text IS NULL OR t.task_id = $1) AND t.state <> ALL($3::text[])
          AND t.state = ANY($6::text[])
          AND NOT EXISTS (SELECT 1 FROM ${replicaLeases} l
                           WHERE l.replica_id = t.replica_id AND l.alive_until > now())
          AND (EXISTS (SELECT 1 FROM ${replicaLeases} l WHERE l.replica_id = t.replica_id)
               OR t.updated_at < now() - $4::interval)
       RETURNING t.task_id)
       SELECT pg_notify($5, task_id) FROM f`,
      [
        taskId ?? null,
        JSON.stringify(status),
        TERMINAL,
        interval(this.#c.leaseMs),
        this.#c.names.taskChangeChannel,
        RUNNING,
      ],
    );
    return r.rowCount ?? 0;
  }

  /** Stops renewing; this replica's running tasks fail at once (it no longer runs them). */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#c.pool
      .query(
        `UPDATE ${this.#c.names.replicaLeases} SET alive_until = now() WHERE replica_id = $1`,
        [this.#c.replicaId],
      )
      .catch(() => undefined); // it lapses on its own
  }

  async #renew(): Promise<void> {
    try {
      await this.#c.ready();
      await this.#c.pool.query(
        `INSERT INTO ${this.#c.names.replicaLeases} (replica_id, alive_until)
         VALUES ($1, now() + $2::interval)
         ON CONFLICT (replica_id) DO UPDATE SET alive_until = EXCLUDED.alive_until`,
        [this.#c.replicaId, interval(this.#c.leaseMs)],
      );
      await this.reap(); // the tasks of replicas that died meanwhile
    } catch {
      // The next renewal retries; a lease that lapses meanwhile fails this replica's open tasks.
    }
  }
}

/** `inner` with its tasks' owners tracked: saves renew the lease, reads end a dead owner's tasks. */
export function ownedTasks(inner: A2ATaskStore, owners: TaskOwners): A2ATaskStore {
  const store: A2ATaskStore = {
    async get(taskId: string, workspaceId: string): Promise<A2ATask | undefined> {
      await owners.reap(taskId);
      return await inner.get(taskId, workspaceId);
    },
    save(task: A2ATask, workspaceId: string): void | Promise<void> {
      owners.start();
      return inner.save(task, workspaceId);
    },
    async cancel(taskId: string, workspaceId: string): Promise<TaskCancelResult> {
      await owners.reap(taskId);
      return await inner.cancel(taskId, workspaceId);
    },
  };
  const list = inner.list?.bind(inner);
  if (list) store.list = list;
  const watch = inner.watch?.bind(inner);
  if (watch) store.watch = (onCancel: (taskId: string) => void): TaskWatch => watch(onCancel);
  const changes = inner.watchChanges?.bind(inner);
  if (changes) store.watchChanges = (onChange): TaskWatch => changes(onChange);
  if (inner.followed && inner.watchFollows) {
    store.followed = inner.followed.bind(inner);
    store.watchFollows = inner.watchFollows.bind(inner);
  }
  // A task's webhooks: read and written as they are (a push config names no replica).
  if (inner.savePushConfig && inner.pushConfigs && inner.deletePushConfig) {
    store.savePushConfig = inner.savePushConfig.bind(inner);
    store.pushConfigs = inner.pushConfigs.bind(inner);
    store.deletePushConfig = inner.deletePushConfig.bind(inner);
  }
  return store;
}
