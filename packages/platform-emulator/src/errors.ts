// The one error class the emulator throws on purpose (bad options, a failed admin call, a state
// file it cannot read). It follows the SDK's error model: `code`, `retryable`, `status` when an
// HTTP answer caused it, and a message that says what to do. The emulator cannot depend on
// `@molecule-ai/agent-core` (core's tests depend on the emulator), so it carries the brand core's
// `isMoleculeError()` checks instead of extending `MoleculeError`.

const BRAND = Symbol.for("@molecule-ai/agent-core/MoleculeError");

/** Options of {@link EmulatorError}. */
export interface EmulatorErrorOptions {
  /** Stable machine-readable code, e.g. `"invalid_argument"`, `"admin_call_failed"`. */
  code: string;
  /** Whether repeating the same call later may succeed. Default `false`. */
  retryable?: boolean;
  /** HTTP status of the emulator answer that caused the error, when there was one. */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** An error of the emulator; `isMoleculeError(err)` from `@molecule-ai/agent-core` is `true` for it. */
export class EmulatorError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  /** Whether repeating the same call later may succeed. */
  readonly retryable: boolean;
  /** HTTP status of the answer that caused the error, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: EmulatorErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EmulatorError";
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }
}
