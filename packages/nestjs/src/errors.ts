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
    printedAs(this, `${this.name}: ${message}`);
  }
}

/**
 * Has Nest's logger print `error` as `line` alone, as it does an error that fails the app's
 * bootstrap (its `ExceptionHandler` logs the error through `util.inspect`): the stack of such an
 * error is Nest's injector, not the app's code, and the line names what to change. The error is
 * otherwise unchanged (its class, code and stack stay for code that catches it).
 */
function printedAs<E extends object>(error: E, line: string): E {
  Object.defineProperty(error, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => line,
    configurable: true,
  });
  return error;
}
