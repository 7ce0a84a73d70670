// What both factories (createPostgresStore, createPostgresClaims) check the same way: the table
// prefix, positive numbers, and the pool (the caller's, or one made from a connection string).
import { Pool } from "pg";
import { PostgresStoreOptionError } from "./errors.js";

/** The factory an option belongs to (named in its error). */
type Factory = "createPostgresStore" | "createPostgresClaims";

const PREFIX = /^[a-z_][a-z0-9_]{0,39}$/;

/** `tablePrefix` checked, default `"molecule_"`. */
export function tablePrefixOf(prefix: string | undefined, factory: Factory): string {
  const p = prefix ?? "molecule_";
  if (!PREFIX.test(p)) {
    throw new PostgresStoreOptionError(
      "tablePrefix",
      `tablePrefix must match [a-z_][a-z0-9_]* and be at most 40 characters (got ${JSON.stringify(p)}).`,
      factory,
    );
  }
  return p;
}

/** A positive number of ms (or a positive integer when `integer`), or `fallback` when unset. */
export function positiveOf(
  name: string,
  value: number | undefined,
  fallback: number,
  factory: Factory,
  integer = false,
): number {
  if (value === undefined) return fallback;
  const ok = integer ? Number.isInteger(value) && value >= 1 : Number.isFinite(value) && value > 0;
  if (!ok) {
    const what = integer ? "a positive integer" : "a positive number of ms";
    throw new PostgresStoreOptionError(name, `${name} must be ${what} (got ${value}).`, factory);
  }
  return value;
}

/** The options' pool: the caller's `pool`, or one of `max` connections on `connectionString`. */
export function poolOf(
  options: object,
  max: number,
  factory: Factory,
): { pool: Pool; owned: boolean } {
  const o = options as { pool?: Pool; connectionString?: unknown };
  if (o.pool) return { pool: o.pool, owned: false };
  if (typeof o.connectionString === "string") {
    const pool = new Pool({ connectionString: o.connectionString, max });
    pool.on("error", () => undefined); // an idle connection dropped: the next query reconnects
    return { pool, owned: true };
  }
  throw new PostgresStoreOptionError(
    "connectionString",
    "pass { connectionString } or { pool }.",
    factory,
  );
}
