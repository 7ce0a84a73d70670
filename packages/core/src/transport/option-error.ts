// The error of an invalid option or argument: a programming error, fixed by changing the call.
import { MoleculeError } from "./errors.js";

/**
 * An option or argument is invalid (`code: "invalid_option"`, never retryable). `option` names it;
 * the message says which values are accepted.
 */
export class MoleculeOptionError extends MoleculeError {
  /** The option or argument at fault, e.g. `"concurrency"` or `"agentCard.name"`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(message, { code: "invalid_option", retryable: false });
    this.option = option;
  }
}
