// createPostgresStore: the agent store shared by N replicas of one agent (see the package README).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Pool } from "pg";
import type { AgentStore, CursorStore } from "@molecule-ai/agent-core";
import type {
  A2ATaskStore,
  PushClaimOptions,
  PushClaimResult,
  SharedPoll,
  SharedPollContext,
  SharedStore,
} from "@molecule-ai/agent-core/store";
import { PostgresStoreError, PostgresStoreOptionError } from "./errors.js";
import { SCHEMA_VERSION, migrate } from "./migrations.js";
import { poolOf, positiveOf, tablePrefixOf } from "./options.js";
import { type DeadLetter, listDeadLetters } from "./dead-letters.js";
import { claimPush } from "./push-claims.js";
import { ReplicaStateStore } from "./replica-state.js";
import { PostgresPendingToolCalls } from "./tool-calls.js";
import { PostgresPendingApprovals } from "./approvals.js";
import type { PendingApprovalStore, PendingToolCalls } from "@molecule-ai/agent-core/org";
import { PostgresSharedPoll } from "./shared-poll.js";
import { type Names, namesOf } from "./sql.js";
import { StoreListener } from "./store-listener.js";
import { TaskOwners, ownedTasks } from "./task-owners.js";
import { PostgresTaskStore } from "./tasks.js";
import { deleteSettled } from "./work-queue.js";

/** Options of {@link createPostgresStore}: a connection string or your own `pg` pool. */
export type PostgresStoreOptions = ({ connectionString: string } | { pool: Pool }) & {
  /** Prefix of every table and channel the store creates (default `"molecule_"`; `[a-z_][a-z0-9_]*`). */
  tablePrefix?: string;
  /** This replica's id (default: host name, process id and a random suffix). */
  replicaId?: string;
  /**
   * The store's one workspace, for agents that read `store.state` (an agent-core older than
   * `stateFor`, or your own code): that state is then the workspace's, and keeps what the agent
   * learned about its platform's push bearer (the SHA-256 of the header, never the secret, and
   * whether the platform signs), one row per workspace shared by its replicas, so a replica that
   * starts or restarts refuses a stranger's push and takes the platform's before register answers.
   * A `RemoteAgent` asks the store by its workspace (`stateFor`), so agents of several workspaces
   * share one store, each with its own outbox and push-bearer record, with or without this. Given,
   * it also adopts the reply outboxes saved before schema version 11 (no workspace recorded).
   */
  workspaceId?: string;
  /**
   * Upper bound of a poll-leadership handover after the leader dies or hangs (default 15 s). The
   * leader renews a lease of half this time every sixth of it from its poll loop; followers try
   * to take it as often. A leader whose loop stalls for about a third of it loses the lease.
   */
  leaseMs?: number;
  /**
   * How long a claimed message stays invisible to other replicas without a keep-alive from its
   * replica (default 30 s): a replica that dies mid-message has it redelivered after this, and the
   * A2A tasks it was running end as `failed` after this.
   */
  visibilityTimeoutMs?: number;
  /**
   * Deliveries of a message, poll or push, that never settles (its replica crashes or hangs past
   * the visibility timeout, or stops, each time) before it is dead-lettered (default 5, like every
   * store): a `deadLettered` event and `onDeadLetter` with a `MoleculeDeliveryLimitError`
   * (`PostgresDeliveryLimitError` for poll), a push sender gets a JSON-RPC error; the row stays,
   * state `'dead'` (`store.deadLetters()`).
   */
  maxDeliveries?: number;
  /** How long settled rows are kept (they are the de-duplication window); default 7 days. */
  retentionMs?: number;
  /**
   * Pool size when the store creates the pool (default 10; at least 2: one connection listens
   * for notifications, the others run queries). A pool you pass needs `max` of at least 2 too.
   */
  maxConnections?: number;
};

const STORE = "createPostgresStore";

/** A pool of one connection would give it to LISTEN and leave none for queries. */
function checkPoolSize(option: "maxConnections" | "pool", max: unknown): void {
  if (max === undefined || (Number.isInteger(max) && (max as number) >= 2)) return;
  const what = option === "pool" ? "the pool's max" : "maxConnections";
  throw new PostgresStoreOptionError(
    option,
    `${what} must be an integer of at least 2: the store keeps one connection for LISTEN and ` +
      `runs its queries on the others (got ${String(max)}).`,
  );
}

/** The PostgreSQL store: pass it as `new RemoteAgent({ ..., store })`; close it after `stop()`. */
export interface PostgresStore extends AgentStore {
  /** The replicas' coordination: the shared poll delivery and push claims by `messageId`. */
  readonly shared: SharedStore;
  /** The A2A task store of push replicas: `tasks/get` and `tasks/cancel` work on any replica. */
  readonly tasks: A2ATaskStore;
  /**
   * The state (reply outbox, `platformPush`, `pendingToolCalls`) of the agent of `workspaceId` on
   * this replica, kept apart from other workspaces' (`RemoteAgent` asks for it): one store serves
   * agents of several workspaces. The same object for the same workspace.
   */
  stateFor(workspaceId: string): CursorStore;
  /**
   * The tool calls a person is asked about in `workspaceId`, read and changed in the database for
   * every replica (no copy in memory): pass it to an adapter (`pendingToolCalls`) so an approved
   * call is taken for running by one replica only, even when two get the decision at once. The
   * same rows `stateFor` keeps `pendingToolCalls` in. The same object for the same workspace.
   */
  pendingToolCallsFor(workspaceId: string): PendingToolCalls;
  /**
   * The approval requests the agents of `workspaceId` wait on, in the database for every replica
   * (`RemoteAgent` asks for it): a request with a key opened by one replica is resumed by another
   * after a restart, not opened again. The same object for the same workspace.
   */
  pendingApprovalsFor(workspaceId: string): PendingApprovalStore;
  /** This replica's id (claims and outbox rows carry it). */
  readonly replicaId: string;
  /** The table prefix in use. */
  readonly tablePrefix: string;
  /** The delivery limit in use (`maxDeliveries` of {@link PostgresStoreOptions}). */
  readonly maxDeliveries: number;
  /** Applies pending schema migrations (done before first use anyway); returns the versions applied. */
  migrate(): Promise<number[]>;
  /** Dead-lettered messages, poll and push (of one workspace when given), oldest first; delete them with SQL. */
  deadLetters(workspaceId?: string): Promise<DeadLetter[]>;
  /**
   * Ends as `failed` the A2A tasks of replicas gone silent, then deletes settled rows and A2A tasks
   * older than the retention window (the poll leader, and each replica watching task cancels, also
   * delete them every minute).
   */
  cleanup(): Promise<number>;
  /** Closes the pool when the store created it. Call after every agent using it has stopped. */
  close(): Promise<void>;
}

/**
 * Creates the PostgreSQL agent store: poll cursor, work queue, de-duplication, reply outbox and
 * push claims of every replica of an agent, in tables it creates and migrates itself.
 *
 * @example
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL! });
 * const agent = new RemoteAgent({ client, handler, store });
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  if (!options || typeof options !== "object") {
    throw new PostgresStoreOptionError(
      "connectionString",
      "pass { connectionString } or { pool }.",
    );
  }
  const prefix = tablePrefixOf(options.tablePrefix, STORE);
  const leaseMs = positiveOf("leaseMs", options.leaseMs, 15_000, STORE);
  const visibilityMs = positiveOf(
    "visibilityTimeoutMs",
    options.visibilityTimeoutMs,
    30_000,
    STORE,
  );
  const retentionMs = positiveOf("retentionMs", options.retentionMs, 7 * 24 * 3600_000, STORE);
  const maxDeliveries = positiveOf("maxDeliveries", options.maxDeliveries, 5, STORE, true);
  const replicaId =
    options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  if ("pool" in options && options.pool) {
    checkPoolSize("pool", (options.pool as { options?: { max?: unknown } }).options?.max);
  } else {
    checkPoolSize("maxConnections", options.maxConnections);
  }
  const { workspaceId } = options;
  if (workspaceId !== undefined && (typeof workspaceId !== "string" || workspaceId === "")) {
    throw new PostgresStoreOptionError(
      "workspaceId",
      "workspaceId must be the workspace id of the agent using this store (its client's workspaceId), or left unset; an unset environment variable reads as undefined.",
    );
  }
  const { pool, owned } = poolOf(options, options.maxConnections ?? 10, STORE);
  const names: Names = namesOf(prefix);
  let ready: Promise<void> | undefined;
  const ensureReady = (): Promise<void> => {
    ready ??= migrate(pool, names).then(
      () => undefined,
      (err: unknown) => {
        ready = undefined; // try again on next use
        throw new PostgresStoreError(
          `could not apply the store's schema (version ${SCHEMA_VERSION}, prefix ${prefix})`,
          err,
        );
      },
    );
    return ready;
  };
  // One LISTEN connection for every poll and task watcher of this store (not one per agent).
  const listener = new StoreListener({
    pool,
    channels: [names.channel, names.taskChangeChannel, names.taskFollowChannel, names.taskChannel],
    ready: ensureReady,
  });
  // One state per workspace (rows keyed by replica and workspace); `state` is the `workspaceId`'s,
  // or, without it, the state of no workspace (for agents that do not ask by workspace).
  const states = new Map<string, ReplicaStateStore>();
  const stateOf = (ws: string | undefined): ReplicaStateStore =>
    new ReplicaStateStore({
      pool,
      names,
      replicaId,
      workspaceId: ws,
      adoptUnkeyed: ws !== undefined && ws === workspaceId,
      orphanAfterMs: Math.max(visibilityMs * 2, leaseMs),
      ready: ensureReady,
    });
  const stateFor = (ws: string): ReplicaStateStore => {
    if (typeof ws !== "string" || ws === "") {
      throw new PostgresStoreOptionError(
        "workspaceId",
        "stateFor needs the workspace id of the agent (its client's workspaceId).",
      );
    }
    let s = states.get(ws);
    if (s === undefined) states.set(ws, (s = stateOf(ws)));
    return s;
  };
  const state = workspaceId !== undefined ? stateFor(workspaceId) : stateOf(undefined);
  const toolCalls = new Map<string, PostgresPendingToolCalls>();
  const pendingToolCallsFor = (ws: string): PostgresPendingToolCalls => {
    stateFor(ws); // the same check of the workspace id
    let c = toolCalls.get(ws);
    if (c === undefined) {
      c = new PostgresPendingToolCalls({ pool, names, workspaceId: ws, ready: ensureReady });
      toolCalls.set(ws, c);
    }
    return c;
  };
  const approvals = new Map<string, PostgresPendingApprovals>();
  const pendingApprovalsFor = (ws: string): PostgresPendingApprovals => {
    stateFor(ws); // the same check of the workspace id
    let a = approvals.get(ws);
    if (a === undefined) {
      a = new PostgresPendingApprovals({ pool, names, workspaceId: ws, ready: ensureReady });
      approvals.set(ws, a);
    }
    return a;
  };
  const taskStore = new PostgresTaskStore({
    pool,
    names,
    replicaId,
    retentionMs,
    listener,
    ready: ensureReady,
  });
  const owners = new TaskOwners({
    pool,
    names,
    replicaId,
    leaseMs: visibilityMs,
    ready: ensureReady,
  });
  const tasks = ownedTasks(taskStore, owners);
  const polls = new Set<PostgresSharedPoll>();
  const claimTimers = new Set<NodeJS.Timeout>();
  const shared: SharedStore = {
    async startPoll(ctx: SharedPollContext): Promise<SharedPoll> {
      await ensureReady();
      const poll = new PostgresSharedPoll(
        {
          pool,
          names,
          listener,
          replicaId,
          leaseMs,
          visibilityMs,
          maxDeliveries,
          retentionMs,
          onAlive: () => state.touch(), // every state of this replica
          onStopped: (stopped) => polls.delete(stopped), // a restarted agent's old poll is let go
        },
        ctx,
      );
      await poll.start();
      polls.add(poll);
      return poll;
    },
    async claimPush(
      workspaceId: string,
      messageId: string,
      options?: PushClaimOptions,
    ): Promise<PushClaimResult> {
      await ensureReady();
      const config = { pool, names, replicaId, visibilityMs, maxDeliveries, timers: claimTimers };
      return await claimPush(config, workspaceId, messageId, options);
    },
  };
  let closed: Promise<void> | undefined;
  return {
    state,
    stateFor,
    pendingToolCallsFor,
    pendingApprovalsFor,
    shared,
    tasks,
    replicaId,
    tablePrefix: prefix,
    maxDeliveries,
    async migrate() {
      try {
        return await migrate(pool, names);
      } catch (err) {
        throw new PostgresStoreError("could not apply the store's schema", err);
      }
    },
    async deadLetters(workspaceId) {
      await ensureReady();
      return await listDeadLetters(pool, names, workspaceId);
    },
    async cleanup() {
      await ensureReady();
      await owners.reap(); // tasks of dead replicas end as failed
      return (await deleteSettled(pool, names, retentionMs)) + (await taskStore.cleanup());
    },
    close() {
      closed ??= (async () => {
        for (const t of claimTimers) clearInterval(t); // their claims expire: retried elsewhere
        claimTimers.clear();
        await Promise.allSettled([...polls].map(async (p) => await p.stop()));
        await taskStore.close();
        await owners.close();
        await listener.close();
        if (owned) await pool.end();
      })();
      return closed;
    },
  };
}
