// Public API of transport/ (see shared/DESIGN.md section 3).
export {
  CursorLostError,
  isMoleculeError,
  MoleculeAuthError,
  MoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
  MoleculeRateLimitError,
  MoleculeTimeoutError,
  UnexpectedResponseError,
  WorkspaceRemovedError,
} from "./errors.js";
export type { MoleculeErrorOptions } from "./errors.js";
export { MoleculeOptionError } from "./option-error.js";
export type { Logger } from "./http.js";
export { backoffDelay, parseRetryAfter } from "./retry.js";
