// Poll leadership as a lease in a table: the leader renews it from its poll loop, so a leader that
// hangs (event loop blocked, loop stuck on a request, process stopped) loses it like a dead one.
// Every acquisition bumps the lease's epoch; the leader's writes check holder and epoch in their
// own transaction (fencing), so a leader that lost its lease without noticing writes nothing.
import type { Pool, PoolClient } from "pg";
import { type Names, interval } from "./sql.js";

/** How a lease of `leaseMs` is run: the worst-case handover after the leader stops is 2/3 of it. */
export interface LeaseTimings {
  /** How long a renewal keeps the lease (half the lease time). */
  ttlMs: number;
  /** How often the leader renews and followers try to take it (a sixth of the lease time). */
  stepMs: number;
}

/** The timings of a lease of `leaseMs` (see {@link LeaseTimings}). */
export function leaseTimings(leaseMs: number): LeaseTimings {
  return { ttlMs: Math.max(30, leaseMs / 2), stepMs: Math.max(10, leaseMs / 6) };
}

/** One replica's view of the poll lease of one workspace. */
export class PollLease {
  readonly #pool: Pool;
  readonly #n: Names;
  readonly #ws: string;
  readonly #holder: string;
  readonly #ttl: string;
  #epoch: number | undefined;

  constructor(pool: Pool, n: Names, workspaceId: string, holder: string, leaseMs: number) {
    this.#pool = pool;
    this.#n = n;
    this.#ws = workspaceId;
    this.#holder = holder;
    this.#ttl = interval(leaseTimings(leaseMs).ttlMs);
  }

  /** The epoch of the lease this replica believes it holds. */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  /** Takes the lease when nobody holds it or it expired; true when taken (a new epoch). */
  async acquire(): Promise<boolean> {
    const { rows } = await this.#pool.query<{ epoch: string }>(
      `INSERT INTO ${this.#n.leases} AS l (workspace_id, holder, epoch, expires_at)
       VALUES ($1, $2, 1, clock_timestamp() + $3::interval)
       ON CONFLICT (workspace_id) DO UPDATE
          SET holder = EXCLUDED.holder, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at
        WHERE l.expires_at <= clock_timestamp()
       RETURNING epoch`,
      [this.#ws, this.#holder, this.#ttl],
    );
    this.#epoch = rows[0] ? Number(rows[0].epoch) : undefined;
    return this.#epoch !== undefined;
  }

  /**
   * Extends the lease; false when another replica took it meanwhile (same epoch: nobody else
   * acquired it, so extending a lapsed lease is safe).
   */
  async renew(): Promise<boolean> {
    if (this.#epoch === undefined) return false;
    const r = await this.#pool.query(
      `UPDATE ${this.#n.leases} SET expires_at = clock_timestamp() + $4::interval
        WHERE workspace_id = $1 AND holder = $2 AND epoch = $3`,
      [this.#ws, this.#holder, this.#epoch, this.#ttl],
    );
    if (r.rowCount !== 1) this.#epoch = undefined;
    return this.#epoch !== undefined;
  }

  /**
   * Inside the caller's transaction: true when this replica still holds an unexpired lease. The
   * row stays share-locked until the transaction ends, so no other replica takes the lease before
   * the caller's writes commit.
   */
  async fence(client: PoolClient): Promise<boolean> {
    if (this.#epoch === undefined) return false;
    const { rowCount } = await client.query(
      `SELECT 1 FROM ${this.#n.leases}
        WHERE workspace_id = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()
        FOR SHARE`,
      [this.#ws, this.#holder, this.#epoch],
    );
    if (rowCount !== 1) this.#epoch = undefined;
    return this.#epoch !== undefined;
  }

  /** Gives the lease up (stop): another replica can take it at once. */
  async release(): Promise<void> {
    const epoch = this.#epoch;
    this.#epoch = undefined;
    if (epoch === undefined) return;
    await this.#pool.query(
      `UPDATE ${this.#n.leases} SET expires_at = clock_timestamp()
        WHERE workspace_id = $1 AND holder = $2 AND epoch = $3`,
      [this.#ws, this.#holder, epoch],
    );
  }
}
