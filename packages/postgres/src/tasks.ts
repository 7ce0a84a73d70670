// The A2A task store shared by push replicas: tasks/get and tasks/cancel answer on any replica; a
// cancel is announced with NOTIFY so the replica running the task aborts its handler, and every
// change with another NOTIFY, so a tasks/resubscribe stream on any replica follows the task. Each
// task row carries its workspace: every read, cancel and write is scoped to it, so agents of
// several workspaces may share one store without seeing each other's tasks. A task's push
// notification configs (webhooks) are rows of their own, in its workspace, deleted with it; the
// replica that stores a change of the task reads them to notify its webhooks.
import type { Pool } from "pg";
import type { A2ATask } from "@molecule-ai/agent-core/a2a";
import type {
  A2ATaskStore,
  TaskCancelResult,
  TaskListPage,
  TaskListQuery,
  TaskPushConfig,
  TaskWatch,
} from "@molecule-ai/agent-core/store";
import { type Names, interval } from "./sql.js";
import type { StoreListener } from "./store-listener.js";
import { CancelListener } from "./tasks-listener.js";

/** Terminal A2A states: a stored task in one of them is never replaced, canceled or failed. */
export const TERMINAL = ["completed", "canceled", "failed", "rejected"];

/** What {@link PostgresTaskStore} needs from the store. */
export interface TaskStoreConfig {
  pool: Pool;
  names: Names;
  replicaId: string;
  retentionMs: number;
  /** The store's LISTEN connection. */
  listener: StoreListener;
  /** Resolves once the schema is migrated. */
  ready: () => Promise<void>;
}

/** See the file comment. */
export class PostgresTaskStore implements A2ATaskStore {
  readonly #c: TaskStoreConfig;
  /** The last write of each task being written: writes of one task apply in call order. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #listener: CancelListener;

  constructor(config: TaskStoreConfig) {
    this.#c = config;
    this.#listener = new CancelListener({
      pool: config.pool,
      names: config.names,
      listener: config.listener,
      cleanupEveryMs: Math.min(60_000, config.retentionMs),
      cleanup: async () => void (await this.cleanup()),
    });
  }

  async get(taskId: string, workspaceId: string): Promise<A2ATask | undefined> {
    await this.#c.ready();
    const { rows } = await this.#c.pool.query<{ task: A2ATask }>(
      `SELECT task FROM ${this.#c.names.tasks} WHERE task_id = $1 AND workspace_id = $2`,
      [taskId, workspaceId],
    );
    return rows[0]?.task;
  }

  save(task: A2ATask, workspaceId: string): Promise<void> {
    // Serialised now: later changes to `task` belong to later saves.
    const row = [task.id, task.contextId, task.status.state, JSON.stringify(task), workspaceId];
    const prev = this.#chains.get(task.id);
    const write = (prev ?? Promise.resolve()).then(
      async () => await this.#write(row),
      async () => await this.#write(row),
    );
    this.#chains.set(task.id, write);
    const forget = (): void => {
      if (this.#chains.get(task.id) === write) this.#chains.delete(task.id);
    };
    write.then(forget, forget);
    return write;
  }

  async cancel(taskId: string, workspaceId: string): Promise<TaskCancelResult> {
    await this.#c.ready();
    const t = this.#c.names.tasks;
    const status = { state: "canceled", timestamp: new Date().toISOString() };
    const { rows } = await this.#c.pool.query<{ task: A2ATask }>(
      `WITH c AS (
         UPDATE ${t} SET state = 'canceled', task = jsonb_set(task, '{status}', $2::jsonb),
                updated_at = now()
          WHERE task_id = $1 AND workspace_id = $6 AND state <> ALL($3::text[])
          RETURNING task_id, task)
       SELECT task, pg_notify($4, task_id), pg_notify($5, task_id) FROM c`,
      [
        taskId,
        JSON.stringify(status),
        TERMINAL,
        this.#c.names.taskChannel,
        this.#c.names.taskChangeChannel,
        workspaceId,
      ],
    );
    if (rows[0]) return { status: "canceled", task: rows[0].task };
    const task = await this.get(taskId, workspaceId);
    return task === undefined ? { status: "not_found" } : { status: "not_cancelable", task };
  }

  async list(workspaceId: string, query: TaskListQuery): Promise<TaskListPage> {
    await this.#c.ready();
    const t = this.#c.names.tasks;
    const filters = [
      query.contextId ?? null,
      query.state ?? null,
      query.statusAfter === undefined ? null : new Date(query.statusAfter).toISOString(),
    ];
    const where = `workspace_id = $1 AND ($2::text IS NULL OR context_id = $2)
        AND ($3::text IS NULL OR state = $3)
        AND ($4::timestamptz IS NULL OR (task -> 'status' ->> 'timestamp')::timestamptz >= $4)`;
    const after =
      query.pageToken === undefined
        ? null
        : /^\d{1,19}$/.test(query.pageToken)
          ? query.pageToken
          : "0";
    const { rows } = await this.#c.pool.query<{ task: A2ATask; seq: string }>(
      `SELECT task, seq FROM ${t} WHERE ${where} AND ($5::bigint IS NULL OR seq < $5)
        ORDER BY seq DESC LIMIT $6`,
      [workspaceId, ...filters, after, query.pageSize + 1],
    );
    const count = await this.#c.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${t} WHERE ${where}`,
      [workspaceId, ...filters],
    );
    const page = rows.slice(0, query.pageSize);
    return {
      tasks: page.map((r) => r.task),
      nextPageToken: rows.length > query.pageSize ? page.at(-1)!.seq : "",
      totalSize: Number(count.rows[0]?.n ?? 0),
    };
  }

  async savePushConfig(
    taskId: string,
    workspaceId: string,
    config: TaskPushConfig,
  ): Promise<boolean> {
    await this.#c.ready();
    const { tasks, pushConfigs } = this.#c.names;
    const r = await this.#c.pool.query(
      `INSERT INTO ${pushConfigs} (workspace_id, task_id, config_id, config)
       SELECT $1, $2, $3, $4::jsonb WHERE EXISTS
         (SELECT 1 FROM ${tasks} WHERE task_id = $2 AND workspace_id = $1)
       ON CONFLICT (workspace_id, task_id, config_id) DO UPDATE SET config = EXCLUDED.config`,
      [workspaceId, taskId, config.id, JSON.stringify(config)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async pushConfigs(taskId: string, workspaceId: string): Promise<TaskPushConfig[]> {
    await this.#c.ready();
    const { rows } = await this.#c.pool.query<{ config: TaskPushConfig }>(
      `SELECT config FROM ${this.#c.names.pushConfigs}
        WHERE workspace_id = $1 AND task_id = $2 ORDER BY created_at, config_id`,
      [workspaceId, taskId],
    );
    return rows.map((r) => r.config);
  }

  async deletePushConfig(taskId: string, workspaceId: string, configId: string): Promise<void> {
    await this.#c.ready();
    await this.#c.pool.query(
      `DELETE FROM ${this.#c.names.pushConfigs}
        WHERE workspace_id = $1 AND task_id = $2 AND config_id = $3`,
      [workspaceId, taskId, configId],
    );
  }

  watch(onCancel: (taskId: string) => void): TaskWatch {
    return this.#listener.add(onCancel);
  }

  watchChanges(onChange: (taskId: string | undefined) => void): TaskWatch {
    return this.#listener.addChanges(onChange);
  }

  async followed(taskId: string, _workspaceId: string): Promise<void> {
    await this.#c.ready();
    await this.#c.pool.query("SELECT pg_notify($1, $2)", [this.#c.names.taskFollowChannel, taskId]);
  }

  watchFollows(onFollowed: (taskId: string | undefined) => void): TaskWatch {
    return this.#listener.addFollows(onFollowed);
  }

  /** Deletes tasks not updated for the retention window; returns how many. */
  async cleanup(): Promise<number> {
    await this.#c.ready();
    const r = await this.#c.pool.query(
      `DELETE FROM ${this.#c.names.tasks} WHERE updated_at < now() - $1::interval`,
      [interval(this.#c.retentionMs)],
    );
    return r.rowCount ?? 0;
  }

  /** Stops the cancel notifications (the store's `close`). */
  async close(): Promise<void> {
    await Promise.allSettled(this.#chains.values());
    await this.#listener.stop();
  }

  async #write([id, contextId, state, body, workspaceId]: string[]): Promise<void> {
    await this.#c.ready();
    const t = this.#c.names.tasks;
    // Never across workspaces: a task id another workspace holds is left as it is.
    await this.#c.pool.query(
      `WITH w AS (
         INSERT INTO ${t} (task_id, context_id, state, task, replica_id, workspace_id)
         VALUES ($1, $2, $3, $4::jsonb, $5, $8)
         ON CONFLICT (task_id) DO UPDATE
            SET state = EXCLUDED.state, task = EXCLUDED.task, replica_id = EXCLUDED.replica_id,
                updated_at = now(), seq = nextval(pg_get_serial_sequence('${t}', 'seq'))
          WHERE ${t}.state <> ALL($6::text[]) AND ${t}.workspace_id = EXCLUDED.workspace_id
         RETURNING task_id)
       SELECT pg_notify($7, task_id) FROM w`,
      [
        id,
        contextId,
        state,
        body,
        this.#c.replicaId,
        TERMINAL,
        this.#c.names.taskChangeChannel,
        workspaceId,
      ],
    );
  }
}
