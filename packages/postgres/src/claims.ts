// createPostgresClaims: the push claims of the PostgreSQL store alone, for push handlers that run
// as serverless functions or Workers (the `claims` option of `createA2AHandler` and
// `createPeerRequestHandler`): the same table, SQL and rule as replicas' (push-claims.ts), without
// what a function cannot keep between requests: no LISTEN connection, no poll, and no keep-alive
// timer (a claim stays invisible for `visibilityTimeoutMs` from the moment it is taken, which must
// cover the longest request). It loads neither `node:os` nor the rest of the store.
import type {
  PushClaimOptions,
  PushClaimResult,
  PushClaimStore,
} from "@molecule-ai/agent-core/a2a";
import type { Pool } from "pg";
import { PostgresStoreError } from "./errors.js";
import { SCHEMA_VERSION, migrate } from "./migrations.js";
import { poolOf, positiveOf, tablePrefixOf } from "./options.js";
import { claimPush } from "./push-claims.js";
import { namesOf } from "./sql.js";
import { deleteSettled } from "./work-queue.js";

/** Options of {@link createPostgresClaims}: a connection string or your own `pg` pool. */
export type PostgresClaimsOptions = ({ connectionString: string } | { pool: Pool }) & {
  /** Prefix of the tables (default `"molecule_"`, as `createPostgresStore`'s; `[a-z_][a-z0-9_]*`). */
  tablePrefix?: string;
  /**
   * How long a claimed message stays invisible to other instances (default 5 minutes). Nothing
   * keeps a claim alive, so set it above the longest a request may run (Vercel's `maxDuration`,
   * the platform proxy's timeout): a redelivery after it runs the message again.
   */
  visibilityTimeoutMs?: number;
  /**
   * Deliveries of a message that never settles (its instance died or timed out each time) before
   * it is dead-lettered (default 5): its senders then get JSON-RPC `-32603` with
   * `data.code: "delivery_limit"`.
   */
  maxDeliveries?: number;
  /** How long settled claims are kept (the de-duplication window) by `cleanup()`; default 7 days. */
  retentionMs?: number;
  /**
   * Apply the schema migrations before the first claim (default true). A Worker that builds its
   * claims per request can pass false and run `migrate()` once in its deploy step.
   */
  migrate?: boolean;
  /** Pool size when a connection string is given (default 2). */
  maxConnections?: number;
};

/** Push claims in PostgreSQL: pass as `claims` to the push handler; close when done with it. */
export interface PostgresClaims extends PushClaimStore {
  /** The table prefix in use. */
  readonly tablePrefix: string;
  /** The delivery limit in use. */
  readonly maxDeliveries: number;
  /** Applies pending schema migrations; returns the versions applied. */
  migrate(): Promise<number[]>;
  /** Deletes settled claims older than `retentionMs` (run it from a cron route); returns how many. */
  cleanup(): Promise<number>;
  /** Closes the pool when it was created from a connection string. */
  close(): Promise<void>;
}

const CLAIMS = "createPostgresClaims";

/**
 * Push claims on PostgreSQL for a push handler of many instances (serverless functions, Workers):
 * each pushed message is handled once, by workspace, messageId and content, in the table
 * `createPostgresStore` uses (a RemoteAgent replica and a serverless instance claim the same way).
 *
 * @example
 * const claims = createPostgresClaims({ connectionString: process.env.DATABASE_URL! });
 * const POST = createPeerRequestHandler({ client, handler, pathSecret, claims });
 */
export function createPostgresClaims(options: PostgresClaimsOptions): PostgresClaims {
  // Checked first, so a missing argument is named rather than a TypeError.
  if (!options || typeof options !== "object") poolOf({}, 0, CLAIMS);
  const prefix = tablePrefixOf(options.tablePrefix, CLAIMS);
  const visibilityMs = positiveOf(
    "visibilityTimeoutMs",
    options.visibilityTimeoutMs,
    300_000,
    CLAIMS,
  );
  const maxDeliveries = positiveOf("maxDeliveries", options.maxDeliveries, 5, CLAIMS, true);
  const retentionMs = positiveOf("retentionMs", options.retentionMs, 7 * 24 * 3600_000, CLAIMS);
  const max = positiveOf("maxConnections", options.maxConnections, 2, CLAIMS, true);
  const { pool, owned } = poolOf(options, max, CLAIMS);
  const names = namesOf(prefix);
  // Claims of one instance carry its id (random: a function has no stable host name or pid).
  const replicaId = `claims-${crypto.randomUUID()}`;
  const config = { pool, names, replicaId, visibilityMs, maxDeliveries };
  const schema = async (): Promise<number[]> => {
    try {
      return await migrate(pool, names);
    } catch (err) {
      throw new PostgresStoreError(
        `could not apply the store's schema (version ${SCHEMA_VERSION}, prefix ${prefix})`,
        err,
      );
    }
  };
  let ready: Promise<unknown> | undefined =
    options.migrate === false ? Promise.resolve() : undefined;
  const ensureReady = (): Promise<unknown> =>
    (ready ??= schema().catch((err: unknown) => {
      ready = undefined; // try again on the next claim
      throw err;
    }));
  let closed: Promise<void> | undefined;
  return {
    tablePrefix: prefix,
    maxDeliveries,
    async claimPush(
      workspaceId: string,
      messageId: string,
      claim?: PushClaimOptions,
    ): Promise<PushClaimResult> {
      await ensureReady();
      try {
        return await claimPush(config, workspaceId, messageId, claim);
      } catch (err) {
        throw new PostgresStoreError("could not claim a pushed message", err);
      }
    },
    migrate: schema,
    async cleanup() {
      await ensureReady();
      return await deleteSettled(pool, names, retentionMs);
    },
    close() {
      closed ??= owned ? pool.end() : Promise.resolve();
      return closed;
    },
  };
}
