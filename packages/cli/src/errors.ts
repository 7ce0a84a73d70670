// The error `molecule-agent` commands throw on purpose: a `MoleculeError` (code, retryable, a
// message that says what to do) that also carries the process exit code.
import { MoleculeError } from "@molecule-ai/agent-core";

/** Options of {@link CliError}. */
export interface CliErrorOptions {
  /** The process exit code the command ends with. */
  exitCode: number;
  /** Stable machine-readable code. Default `"invalid_argument"`. */
  code?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** An error that ends a command with `exitCode` and a one-line message naming flags, not options. */
export class CliError extends MoleculeError {
  /** The process exit code. */
  readonly exitCode: number;

  constructor(message: string, options: CliErrorOptions) {
    super(message, {
      code: options.code ?? "invalid_argument",
      retryable: false,
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.exitCode = options.exitCode;
  }
}
