// One replica's side of the shared poll delivery: poll leadership (a session advisory lock on a
// dedicated connection, which PostgreSQL releases when the leader's process or connection dies),
// LISTEN/NOTIFY wake-ups, claims with FOR UPDATE SKIP LOCKED, visibility-timeout redelivery.
import type { Pool, PoolClient } from "pg";
import { parseActivityRow } from "@molecule-ai/agent-core/wire";
import type { SharedPoll, SharedPollContext } from "@molecule-ai/agent-core/store";
import { describe } from "./errors.js";
import { readPlatformOnce } from "./platform-reader.js";
import type { Names } from "./sql.js";
import { Waker, backoff } from "./waker.js";
import type { ClaimedRow } from "./work-queue.js";
import { claimWork, deleteSettled, extendClaims, releaseWork, settleWork } from "./work-queue.js";

/** Settings of a shared poll (from the store's options). */
export interface SharedPollConfig {
  pool: Pool;
  names: Names;
  replicaId: string;
  /** How long a dead leader can hold leadership at most; followers try to take it 3× as often. */
  leaseMs: number;
  visibilityMs: number;
  retentionMs: number;
  /** Called periodically so the store can mark this replica alive. */
  onAlive(): Promise<void>;
}

/** The shared poll delivery of one workspace, on one replica. */
export class PostgresSharedPoll implements SharedPoll {
  readonly #c: SharedPollConfig;
  readonly #ctx: SharedPollContext;
  readonly #stop = new AbortController();
  readonly #leadWake = new Waker();
  readonly #claimWake = new Waker();
  /** Claims being handled here: activity id -> settle promise. */
  readonly #running = new Map<string, Promise<void>>();
  #conn: PoolClient | undefined;
  #leader = false;
  #cursor: string | undefined;
  #loops: Promise<void>[] = [];
  #keepalive: NodeJS.Timeout | undefined;
  #lastCleanup = 0;

  constructor(config: SharedPollConfig, ctx: SharedPollContext) {
    this.#c = config;
    this.#ctx = ctx;
  }

  /** The cursor as of this replica's last platform read (only the leader reads). */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Whether this replica holds the poll leadership now. */
  get leader(): boolean {
    return this.#leader;
  }

  /** Connects (LISTEN), then runs the leadership and claim loops. */
  async start(): Promise<void> {
    await this.#connect();
    const every = Math.max(50, Math.floor(this.#c.visibilityMs / 3));
    this.#keepalive = setInterval(() => void this.#tick(), every);
    this.#keepalive.unref();
    this.#loops = [this.#leadLoop(), this.#claimLoop()];
  }

  /** Reads the platform now (an event wake-up), when this replica leads. */
  wake(): void {
    this.#leadWake.wake();
  }

  /** Stops leading and claiming; claims being handled keep settling (see {@link flush}). */
  async stop(): Promise<void> {
    if (this.#stop.signal.aborted) return await Promise.all(this.#loops).then(() => undefined);
    this.#stop.abort();
    this.#leadWake.wake();
    this.#claimWake.wake();
    await Promise.all(this.#loops);
    this.#disconnect("stopped");
  }

  /** Resolves once every claim taken here is settled or released. */
  async flush(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled(this.#running.values());
    if (this.#stop.signal.aborted && this.#keepalive) {
      clearInterval(this.#keepalive);
      this.#keepalive = undefined;
    }
  }

  async #connect(): Promise<void> {
    const conn = await this.#c.pool.connect();
    conn.on("notification", (m) => {
      if (m.channel === this.#c.names.channel && m.payload === this.#ctx.workspaceId) {
        this.#claimWake.wake();
      }
    });
    conn.on("error", (err) => {
      if (this.#conn !== conn) return;
      this.#ctx.logger.warn?.("store connection lost; reconnecting", { error: describe(err) });
      this.#disconnect("error");
      this.#leadWake.wake();
    });
    try {
      await conn.query(`LISTEN ${this.#c.names.channel}`);
    } catch (err) {
      conn.release(true);
      throw err;
    }
    this.#conn = conn;
  }

  #disconnect(why: "stopped" | "error"): void {
    const conn = this.#conn;
    this.#conn = undefined;
    if (this.#leader) {
      this.#leader = false;
      this.#ctx.logger.info?.("poll leadership released", { reason: why });
    }
    // Destroying the connection ends its session: PostgreSQL drops the LISTEN and the lock.
    conn?.release(true);
  }

  async #leadLoop(): Promise<void> {
    const signal = this.#stop.signal;
    const tryEvery = Math.max(20, Math.floor(this.#c.leaseMs / 3));
    let failures = 0;
    while (!signal.aborted) {
      let delay = this.#leader ? this.#ctx.pollIntervalMs : tryEvery;
      try {
        if (!this.#conn) await this.#connect();
        if (!this.#leader) await this.#tryLead();
        if (this.#leader) {
          const r = await readPlatformOnce(this.#c.pool, this.#c.names, this.#ctx, signal);
          this.#cursor = r.cursor;
          if (r.queued > 0) this.#claimWake.wake();
          if (r.more) delay = 0;
        }
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        delay = Math.max(delay, backoff(failures, 500, 30_000));
        this.#ctx.logger.warn?.("shared poll: platform read failed; retrying", {
          error: describe(err),
          retryInMs: delay,
        });
      }
      await this.#leadWake.wait(delay, signal);
    }
  }

  async #tryLead(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    const { rows } = await conn.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok",
      [`${this.#c.names.prefix}poll`, this.#ctx.workspaceId],
    );
    if (rows[0]?.ok === true && this.#conn === conn) {
      this.#leader = true;
      this.#ctx.logger.info?.("poll leadership taken", { replica: this.#c.replicaId });
    }
  }

  async #claimLoop(): Promise<void> {
    const signal = this.#stop.signal;
    const fallback = Math.max(
      20,
      Math.min(this.#ctx.pollIntervalMs, Math.floor(this.#c.visibilityMs / 2)),
    );
    let failures = 0;
    while (!signal.aborted) {
      const free = this.#ctx.concurrency - this.#running.size;
      let delay = fallback;
      if (free > 0) {
        try {
          const rows = await claimWork(
            this.#c.pool,
            this.#c.names,
            this.#ctx.workspaceId,
            this.#c.replicaId,
            free,
            this.#c.visibilityMs,
          );
          failures = 0;
          for (const row of rows) this.#begin(row);
          if (rows.length === free) delay = 0; // maybe more: claim again once a slot is free
        } catch (err) {
          if (signal.aborted) break;
          failures++;
          delay = backoff(failures, 500, 30_000);
          this.#ctx.logger.warn?.("shared poll: claim failed; retrying", { error: describe(err) });
        }
      }
      if (this.#ctx.concurrency - this.#running.size > 0 || delay !== 0) {
        await this.#claimWake.wait(delay, signal);
      } else {
        await this.#claimWake.wait(fallback, signal); // every slot busy: a settle wakes us
      }
    }
  }

  #begin(row: ClaimedRow): void {
    const p = this.#run(row).finally(() => {
      this.#running.delete(row.activityId);
      this.#claimWake.wake();
    });
    this.#running.set(row.activityId, p);
  }

  async #run(row: ClaimedRow): Promise<void> {
    const { pool, names, replicaId } = this.#c;
    const ws = this.#ctx.workspaceId;
    const msg = parseActivityRow(row.body);
    let result: "settled" | "abandoned" = "settled";
    if (msg) {
      result = await this.#ctx
        .handle(msg, { redelivered: row.deliveries > 1 })
        .catch((err: unknown) => {
          this.#ctx.logger.error?.("inbound handler pipeline failed unexpectedly", {
            error: describe(err),
          });
          return "abandoned" as const;
        });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        if (result === "abandoned") {
          await releaseWork(pool, names, ws, replicaId, row.activityId);
        } else if (!(await settleWork(pool, names, ws, replicaId, row.activityId))) {
          this.#ctx.logger.warn?.("claim expired before its message settled here", {
            activityId: row.activityId,
          });
        }
        return;
      } catch (err) {
        // The claim expires and another replica redelivers, if this keeps failing.
        if (attempt >= 5) {
          this.#ctx.logger.error?.("could not record a settled message", { error: describe(err) });
          return;
        }
        await new Promise((r) => setTimeout(r, backoff(attempt, 200, 5_000)));
      }
    }
  }

  /** Keeps running claims visible only to us, marks the replica alive, cleans up as leader. */
  async #tick(): Promise<void> {
    const { pool, names, replicaId, visibilityMs, retentionMs } = this.#c;
    try {
      const ids = [...this.#running.keys()];
      await extendClaims(pool, names, this.#ctx.workspaceId, replicaId, ids, visibilityMs);
      await this.#c.onAlive();
      const now = Date.now();
      if (this.#leader && now - this.#lastCleanup > Math.min(60_000, retentionMs)) {
        this.#lastCleanup = now;
        const removed = await deleteSettled(pool, names, retentionMs);
        if (removed > 0) this.#ctx.logger.debug?.("settled rows removed", { removed });
      }
    } catch (err) {
      this.#ctx.logger.warn?.("shared poll: keep-alive failed", { error: describe(err) });
    }
  }
}
