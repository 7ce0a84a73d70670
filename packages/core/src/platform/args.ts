// Argument checks shared by PlatformClient's calls: a bad argument fails before any request.
import { MoleculeError } from "../transport/index.js";

/** A `MoleculeError` with code `invalid_argument`; `message` says what to pass instead. */
export function invalid(message: string): MoleculeError {
  return new MoleculeError(message, { code: "invalid_argument" });
}

/** `value` truncated to an integer; throws {@link invalid} unless it is a finite number >= 0. */
export function toInt(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(`${what} must be a finite number >= 0; got ${String(value)}`);
  }
  return Math.trunc(value);
}
