import { MoleculeError } from "@molecule-ai/agent-core";

/**
 * Start-up: the module's options are missing or malformed. Code `invalid_config`, never retryable
 * (fixed in the app's configuration). The handler errors (`PeerHandlerConfigError`,
 * `NoPeerHandlerError`, `PeerReplyTypeError`) are core's (`@molecule-ai/agent-core/adapters`).
 */
export class MoleculeAgentConfigError extends MoleculeError {
  declare readonly code: "invalid_config";
  constructor(message: string) {
    super(message, { code: "invalid_config" });
  }
}
