// Typed errors of the PostgreSQL store.
import { MoleculeError, MoleculeOptionError } from "@molecule-ai/agent-core";
import { MoleculeDeliveryLimitError } from "@molecule-ai/agent-core/store";

/**
 * A bad option of `createPostgresStore` or `createPostgresClaims` (`code: "invalid_option"`;
 * `option` names it).
 */
export class PostgresStoreOptionError extends MoleculeOptionError {
  constructor(option: string, message: string, factory = "createPostgresStore") {
    super(option, `${factory}: ${message}`);
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
 * A poll message was dead-lettered by the shared poll (`code: "delivery_limit"`, a
 * `MoleculeDeliveryLimitError`): it was delivered `maxDeliveries` times and never settled, because
 * the replica handling it crashed or hung past `visibilityTimeoutMs` every time. It is never run
 * again; its row stays in the work table with state `'dead'` (see `store.deadLetters()`). A pushed
 * message gets the core `MoleculeDeliveryLimitError` (`delivery: "push"`).
 */
export class PostgresDeliveryLimitError extends MoleculeDeliveryLimitError {
  /** The activity id of the message. */
  declare readonly activityId: string;

  constructor(o: {
    activityId: string;
    messageId?: string | undefined;
    deliveries: number;
    table: string;
  }) {
    super({
      delivery: "poll",
      activityId: o.activityId,
      messageId: o.messageId,
      deliveries: o.deliveries,
      kept: `its row stays in ${o.table} (state 'dead', listed by store.deadLetters())`,
    });
  }
}
