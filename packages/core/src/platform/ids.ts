// Workspace ids are UUIDs: checked locally, so a malformed id is a clear `invalid_argument` before
// any request (the real platform answers 500 to most malformed ids, which no retry can fix).
import { MoleculeError } from "../transport/index.js";

/** A UUID in any case (the platform stores and compares them lowercase). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Returns `value` as a lowercase UUID, or throws `MoleculeError` `invalid_argument` naming `what`.
 * A long value is not quoted back (it may be a token pasted into the wrong setting).
 */
export function requireWorkspaceId(
  value: unknown,
  what: string,
  hint = "copy it from the platform (the canvas, or the id returned when the workspace was created)",
): string {
  if (typeof value === "string" && UUID_RE.test(value.trim())) return value.trim().toLowerCase();
  const got =
    typeof value !== "string"
      ? `got ${value === null ? "null" : typeof value}`
      : value.trim() === ""
        ? "got an empty string"
        : value.length <= 36
          ? `got ${JSON.stringify(value)}`
          : `got a ${value.length}-character string`;
  throw new MoleculeError(
    `${what} must be a UUID such as 5ad841ef-bafe-4f6b-ba79-632fc76e330b (${got}); ${hint}`,
    { code: "invalid_argument" },
  );
}
