// The errors this module throws on purpose: all `MoleculeError`s with a `code`, never retryable
// (each one is fixed in the app's code or configuration).
import { MoleculeError } from "@molecule-ai/agent-core";

/** Start-up: the module's options are missing or malformed. Code `invalid_config`. */
export class MoleculeAgentConfigError extends MoleculeError {
  declare readonly code: "invalid_config";
  constructor(message: string) {
    super(message, { code: "invalid_config" });
  }
}

/** Start-up: the `@OnPeerMessage()` handlers are inconsistent. */
export class PeerHandlerConfigError extends MoleculeError {
  declare readonly code: "duplicate_handler" | "invalid_filter";
  constructor(code: "duplicate_handler" | "invalid_filter", message: string) {
    super(message, { code });
  }
}

/** An inbound message matched no `@OnPeerMessage()` handler (it is dead-lettered). Code `no_handler`. */
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
