// Public API of transport/ (see shared/DESIGN.md section 3).
export {
  isMoleculeError,
  MoleculeAuthError,
  MoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
  MoleculeRateLimitError,
  MoleculeTimeoutError,
  UnexpectedResponseError,
} from "./errors.js";
export type { MoleculeErrorOptions } from "./errors.js";
export { MoleculeOptionError } from "./option-error.js";
export type { Logger } from "./logger.js";
export { backoffDelay } from "./backoff.js";
export { parseRetryAfter } from "./retry.js";
