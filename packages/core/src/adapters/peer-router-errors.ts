// The errors of a routing table of inbound-message handlers: all fixed in the app's code (never
// retryable).
import { MoleculeError } from "../transport/index.js";

/** Start-up: the handlers of a {@link PeerRouter} are inconsistent (overlap, bad filter). */
export class PeerHandlerConfigError extends MoleculeError {
  declare readonly code: "duplicate_handler" | "invalid_filter";
  constructor(code: "duplicate_handler" | "invalid_filter", message: string) {
    super(message, { code });
  }
}

/** An inbound message matched no handler (it is dead-lettered). Code `no_handler`. */
export class NoPeerHandlerError extends MoleculeError {
  declare readonly code: "no_handler";
  constructor(message: string) {
    super(message, { code: "no_handler" });
  }
}

/** A handler returned something that is not reply text. Code `invalid_reply`. */
export class PeerReplyTypeError extends MoleculeError {
  declare readonly code: "invalid_reply";
  constructor(message: string) {
    super(message, { code: "invalid_reply" });
  }
}
