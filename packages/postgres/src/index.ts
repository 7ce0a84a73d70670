// Public API of @molecule-ai/postgres.
export { createPostgresStore } from "./store.js";
export { createPostgresClaims } from "./claims.js";
export type { PostgresClaims, PostgresClaimsOptions } from "./claims.js";
export type { PostgresStore, PostgresStoreOptions } from "./store.js";
export type { DeadLetter } from "./dead-letters.js";
export {
  PostgresDeliveryLimitError,
  PostgresStoreError,
  PostgresStoreOptionError,
} from "./errors.js";
export { SCHEMA_VERSION } from "./migrations.js";
