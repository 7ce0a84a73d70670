// Table and channel names of one store, from its table prefix.

/** The identifiers a store uses; every one starts with the table prefix. */
export interface Names {
  prefix: string;
  migrations: string;
  cursors: string;
  work: string;
  replicaState: string;
  pushClaims: string;
  /** Poll leadership leases, one per workspace (holder, epoch, expiry). */
  leases: string;
  /** The A2A task store shared by push replicas. */
  tasks: string;
  /** The push notification configs (webhooks) of the A2A tasks, deleted with their task. */
  pushConfigs: string;
  /** Liveness of replicas running A2A tasks: each renews its row while it runs. */
  replicaLeases: string;
  /** What push agents learned about their platform's bearer, one row per workspace. */
  platformPush: string;
  /** The tool calls a person is asked about (`pendingToolCalls`), one row per workspace and call. */
  toolCalls: string;
  /** The approval requests agents wait on, one row per workspace and wait key. */
  approvals: string;
  /** The LISTEN/NOTIFY channel that announces new work (payload: the workspace id). */
  channel: string;
  /** The LISTEN/NOTIFY channel that announces a canceled A2A task (payload: the task id). */
  taskChannel: string;
  /** The LISTEN/NOTIFY channel that announces any change of an A2A task (payload: the task id). */
  taskChangeChannel: string;
  /** The LISTEN/NOTIFY channel that says a stream follows an A2A task (payload: the task id). */
  taskFollowChannel: string;
}

/** Builds the names for `prefix` (validated by the caller: `[a-z_][a-z0-9_]*`). */
export function namesOf(prefix: string): Names {
  return {
    prefix,
    migrations: `${prefix}schema_migrations`,
    cursors: `${prefix}cursors`,
    work: `${prefix}work`,
    replicaState: `${prefix}replica_state`,
    pushClaims: `${prefix}push_claims`,
    leases: `${prefix}poll_leases`,
    tasks: `${prefix}a2a_tasks`,
    pushConfigs: `${prefix}a2a_push_configs`,
    replicaLeases: `${prefix}replica_leases`,
    platformPush: `${prefix}platform_push`,
    toolCalls: `${prefix}tool_calls`,
    approvals: `${prefix}approvals`,
    channel: `${prefix}work_ready`,
    taskChannel: `${prefix}task_canceled`,
    taskChangeChannel: `${prefix}task_changed`,
    taskFollowChannel: `${prefix}task_followed`,
  };
}

/** Milliseconds as a PostgreSQL interval literal parameter. */
export function interval(ms: number): string {
  return `${Math.max(0, Math.round(ms))} milliseconds`;
}
