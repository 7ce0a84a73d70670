// One replica's side of the shared poll delivery: poll leadership (a lease the leader renews from
// its poll loop, with fencing: see poll-lease.ts), NOTIFY wake-ups through the store's one LISTEN
// connection (store-listener.ts), claims with FOR UPDATE SKIP LOCKED, visibility-timeout redelivery up to
// `maxDeliveries`, then dead letters.
import type { Pool } from "pg";
import { parseActivityRow } from "@molecule-ai/agent-core/wire";
import type { SharedPoll, SharedPollContext } from "@molecule-ai/agent-core/store";
import { reportDeadLetter } from "./dead-letters.js";
import { describe } from "./errors.js";
import { ReaderState, readPlatformOnce } from "./platform-reader.js";
import { PollLease, leaseTimings } from "./poll-lease.js";
import type { Names } from "./sql.js";
import type { ListenSubscription, StoreListener } from "./store-listener.js";
import { Waker, backoff } from "./waker.js";
import type { ClaimedRow } from "./work-queue.js";
import { claimWork, confirmClaim, deleteSettled, extendClaims } from "./work-queue.js";
import { releaseWork, settleWork } from "./work-queue.js";

/**
 * The part of the visibility timeout a claim is counted on without asking the table: two thirds
 * (the rest covers the way from the check to the handler on a loaded machine).
 */
const CLAIM_TRUST = 2 / 3;

/** Settings of a shared poll (from the store's options). */
export interface SharedPollConfig {
  pool: Pool;
  names: Names;
  /** The store's LISTEN connection (work notifications carry the workspace id). */
  listener: StoreListener;
  replicaId: string;
  /** Longest leadership handover after the leader dies or hangs (see `leaseTimings`). */
  leaseMs: number;
  visibilityMs: number;
  /** Deliveries of a message that never settles before it is dead-lettered. */
  maxDeliveries: number;
  retentionMs: number;
  /** Called periodically so the store can mark this replica alive. */
  onAlive(): Promise<void>;
  /** Called once the poll has stopped, so the store lets go of it. */
  onStopped(poll: PostgresSharedPoll): void;
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
  /** A redelivered message runs alone: nothing else is claimed until it settles. */
  #alone = false;
  readonly #lease: PollLease;
  #sub: ListenSubscription | undefined;
  #leader = false;
  /** A wake-up asked for a platform read now. */
  #readNow = false;
  #cursor: string | undefined;
  #loops: Promise<void>[] = [];
  #keepalive: NodeJS.Timeout | undefined;
  /** When settled rows were last removed (monotonic ms). */
  #lastCleanup = Number.NEGATIVE_INFINITY;
  #readFailures = 0;
  /** What this replica's reads keep between them (the settle window) while it leads. */
  readonly #reader = new ReaderState();
  /** Dead letters being reported to the agent. */
  readonly #reports = new Set<Promise<void>>();
  /** Said that claims lapsed before their handlers started (once until one holds again). */
  #toldLapsed = false;

  constructor(config: SharedPollConfig, ctx: SharedPollContext) {
    this.#c = config;
    this.#ctx = ctx;
    this.#lease = new PollLease(
      config.pool,
      config.names,
      ctx.workspaceId,
      config.replicaId,
      config.leaseMs,
    );
  }

  /** The cursor as of this replica's last platform read (only the leader reads). */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Whether this replica holds the poll leadership now. */
  get leader(): boolean {
    return this.#leader;
  }

  /** Subscribes to its workspace's work notifications, then runs the leadership and claim loops. */
  async start(): Promise<void> {
    await this.#subscribe();
    const every = Math.max(50, Math.floor(this.#c.visibilityMs / 3));
    this.#keepalive = setInterval(() => void this.#tick(), every);
    this.#keepalive.unref();
    this.#loops = [this.#leadLoop(), this.#claimLoop()];
  }

  /** Reads the platform now (an event wake-up), when this replica leads. */
  wake(): void {
    this.#readNow = true;
    this.#leadWake.wake();
  }

  /** Stops leading and claiming; claims being handled keep settling (see {@link flush}). */
  async stop(): Promise<void> {
    if (this.#stop.signal.aborted) return await Promise.all(this.#loops).then(() => undefined);
    this.#stop.abort();
    this.#leadWake.wake();
    this.#claimWake.wake();
    await Promise.all(this.#loops);
    const sub = this.#sub;
    this.#sub = undefined;
    await sub?.close();
    this.#c.onStopped(this);
  }

  /** Resolves once every claim taken here is settled or released. */
  async flush(): Promise<void> {
    while (this.#running.size > 0 || this.#reports.size > 0) {
      await Promise.allSettled([...this.#running.values(), ...this.#reports]);
    }
    if (this.#stop.signal.aborted && this.#keepalive) {
      clearInterval(this.#keepalive);
      this.#keepalive = undefined;
    }
  }

  async #subscribe(): Promise<void> {
    const wake = (): void => this.#claimWake.wake();
    const sub = this.#c.listener.subscribe(
      this.#c.names.channel,
      {
        notify: wake,
        lost: (err) => {
          this.#ctx.logger.warn?.("store connection lost; reconnecting", { error: describe(err) });
          wake(); // notifications are lost until reconnected: claim now, and again after
        },
        missed: wake,
      },
      this.#ctx.workspaceId,
    );
    try {
      await sub.ready;
    } catch (err) {
      await sub.close();
      throw err;
    }
    this.#sub = sub;
  }

  #lost(reason: string): void {
    if (!this.#leader) return;
    this.#leader = false;
    this.#ctx.logger.info?.("poll leadership lost", { replica: this.#c.replicaId, reason });
  }

  /**
   * Renews (or tries to take) the lease every step and reads the platform when leading. A read
   * stuck past the lease stops the renewals: another replica takes over, and what the stuck read
   * returns is fenced out.
   */
  async #leadLoop(): Promise<void> {
    const signal = this.#stop.signal;
    const { stepMs } = leaseTimings(this.#c.leaseMs);
    let failures = 0;
    let nextRead = 0;
    while (!signal.aborted) {
      let delay = stepMs;
      try {
        if (this.#leader) {
          if (!(await this.#lease.renew())) this.#lost("lease taken over");
        } else if (await this.#lease.acquire()) {
          this.#leader = true;
          nextRead = 0;
          this.#ctx.logger.info?.("poll leadership taken", {
            replica: this.#c.replicaId,
            epoch: this.#lease.epoch,
          });
        }
        // Monotonic times: a wall clock step back would otherwise hold the next read as long.
        if (this.#leader && (this.#readNow || performance.now() >= nextRead)) {
          this.#readNow = false;
          nextRead = performance.now() + this.#ctx.readIntervalMs();
          nextRead = await this.#read(signal, nextRead);
        }
        if (this.#leader) delay = Math.max(0, Math.min(stepMs, nextRead - performance.now()));
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        delay = Math.min(stepMs, backoff(failures, 100, stepMs));
        this.#ctx.logger.warn?.("shared poll: store unreachable; retrying", {
          error: describe(err),
          retryInMs: delay,
        });
      }
      await this.#leadWake.wait(delay, signal);
    }
    await this.#lease.release().catch(() => undefined); // a stopping leader hands over at once
    if (this.#leader) {
      this.#leader = false;
      this.#ctx.logger.info?.("poll leadership released", { replica: this.#c.replicaId });
    }
  }

  /** One platform read as leader; returns when to read next. */
  async #read(signal: AbortSignal, next: number): Promise<number> {
    try {
      const r = await readPlatformOnce(
        this.#c.pool,
        this.#c.names,
        this.#ctx,
        this.#lease,
        signal,
        this.#reader,
      );
      this.#readFailures = 0;
      if (r.fenced) {
        this.#lost("lease lost before its read was written (nothing written)");
        return next;
      }
      this.#cursor = r.cursor;
      if (r.queued > 0) this.#claimWake.wake();
      return r.more ? 0 : next;
    } catch (err) {
      if (this.#stop.signal.aborted) return next;
      this.#readFailures++;
      const delay = backoff(this.#readFailures, 500, 30_000);
      this.#ctx.logger.warn?.("shared poll: platform read failed; retrying", {
        error: describe(err),
        retryInMs: delay,
      });
      return performance.now() + delay;
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
      if (free > 0 && !this.#alone) {
        try {
          const claimedAt = performance.now(); // before the claim: its visibility counts from here
          const rows = await claimWork(
            this.#c.pool,
            this.#c.names,
            this.#ctx.workspaceId,
            this.#c.replicaId,
            free,
            this.#c.visibilityMs,
            this.#c.maxDeliveries,
            this.#running.size === 0,
          );
          failures = 0;
          for (const row of rows) {
            if (row.dead) this.#report(row);
            else this.#begin(row, claimedAt);
          }
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

  #report(row: ClaimedRow): void {
    const p = reportDeadLetter(this.#ctx, this.#c.names, row).finally(() =>
      this.#reports.delete(p),
    );
    this.#reports.add(p);
  }

  #begin(row: ClaimedRow, claimedAt: number): void {
    if (row.deliveries > 1) this.#alone = true; // a redelivery runs alone (see claimWork)
    const p = this.#run(row, claimedAt).finally(() => {
      if (row.deliveries > 1) this.#alone = false;
      this.#running.delete(row.activityId);
      this.#claimWake.wake();
    });
    this.#running.set(row.activityId, p);
  }

  async #run(row: ClaimedRow, claimedAt: number): Promise<void> {
    const { pool, names, replicaId } = this.#c;
    const ws = this.#ctx.workspaceId;
    const msg = parseActivityRow(row.body);
    // Another replica may have claimed and run it since: then it is not run, settled or released.
    if (msg && !(await this.#claimHolds(row, claimedAt))) return;
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

  /**
   * Whether this replica's claim of `row` (claimed at `claimedAt`, monotonic ms) still holds, so
   * its handler may start: at once, without a query, while younger than two thirds of the
   * visibility timeout; else (the process was paused or starved since the claim) once the table
   * confirms it is still this replica's claim of that delivery (`confirmClaim`).
   */
  async #claimHolds(row: ClaimedRow, claimedAt: number): Promise<boolean> {
    const { pool, names, replicaId, visibilityMs } = this.#c;
    const age = performance.now() - claimedAt;
    if (age < visibilityMs * CLAIM_TRUST) {
      this.#toldLapsed = false;
      return true;
    }
    const ws = this.#ctx.workspaceId;
    const held = await confirmClaim(pool, names, ws, replicaId, row, visibilityMs).catch(
      () => false,
    );
    if (!held && !this.#toldLapsed) {
      this.#toldLapsed = true;
      this.#ctx.logger.warn?.(
        `shared poll: claims lapsed before their handlers started (${Math.round(age / 100) / 10} s after the claim, past the ${Math.round((visibilityMs * CLAIM_TRUST) / 100) / 10} s counted on: this replica was paused or starved); their messages are left to the replica that claimed them since`,
      );
    }
    return held;
  }

  /** Keeps running claims visible only to us, marks the replica alive, cleans up as leader. */
  async #tick(): Promise<void> {
    const { pool, names, replicaId, visibilityMs, retentionMs } = this.#c;
    try {
      const ids = [...this.#running.keys()];
      await extendClaims(pool, names, this.#ctx.workspaceId, replicaId, ids, visibilityMs);
      await this.#c.onAlive();
      const now = performance.now();
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
