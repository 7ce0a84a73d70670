// A failure as plain fields, for what a tool keeps beside the model's text (an artifact, a log).
import { isMoleculeError } from "../transport/index.js";

/** The fields of a failure; `code`, `status` and `retryable` when it is a `MoleculeError`. */
export interface ErrorFields {
  name: string;
  message: string;
  code?: string;
  status?: number;
  retryable?: boolean;
}

/** The fields of `error` (never its body: it may be large and is peer-controlled). */
export function errorFields(error: unknown): ErrorFields {
  if (isMoleculeError(error)) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      ...(error.status === undefined ? {} : { status: error.status }),
      retryable: error.retryable,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}
