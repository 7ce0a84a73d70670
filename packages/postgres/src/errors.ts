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
