// Typed errors of the PostgreSQL store.
import { MoleculeError, MoleculeOptionError } from "@molecule-ai/agent-core";

/** A bad option of `createPostgresStore` (`code: "invalid_option"`; `option` names it). */
export class PostgresStoreOptionError extends MoleculeOptionError {
  constructor(option: string, message: string) {
    super(option, `createPostgresStore: ${message}`);
  }
}

/** The database could not be reached or refused a query; the store retries what it can. */
export class PostgresStoreError extends MoleculeError {
  constructor(message: string, cause: unknown) {
    super(
      `${message}: ${describe(cause)}. Check that PostgreSQL is reachable and the role may create tables.`,
      {
        code: "store_unavailable",
        retryable: true,
        cause,
      },
    );
  }
}

/** `name: message` of an error, without the connection string (pg never puts it in messages). */
export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * A poll message was dead-lettered by the store (`code: "delivery_limit"`): it was delivered
 * `maxDeliveries` times and never settled, because the replica handling it crashed or hung past
 * `visibilityTimeoutMs` every time. It is never run again; its row stays in the work table with
 * state `'dead'` (see `store.deadLetters()`).
 */
export class PostgresDeliveryLimitError extends MoleculeError {
  /** The activity id of the message. */
  readonly activityId: string;
  /** Its A2A messageId, when it has one. */
  readonly messageId: string | undefined;
  /** How many times it was delivered. */
  readonly deliveries: number;

  constructor(o: {
    activityId: string;
    messageId?: string | undefined;
    deliveries: number;
    table: string;
  }) {
    super(
      `inbound message ${o.messageId ?? o.activityId} was delivered ${o.deliveries} times and never settled: the replica handling it crashed or hung past visibilityTimeoutMs each time. It is dead-lettered and will not run again; its row stays in ${o.table} (state 'dead', listed by store.deadLetters()). Find what crashes or blocks the handler on it (raise maxDeliveries if replicas died for other reasons).`,
      { code: "delivery_limit", retryable: false },
    );
    this.activityId = o.activityId;
    this.messageId = o.messageId;
    this.deliveries = o.deliveries;
  }
}
