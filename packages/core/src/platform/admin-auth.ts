// What a 401 or 403 means to an `AdminClient` caller: the admin token it was given (the platform's
// `ADMIN_TOKEN` or an org API token), not a workspace token (#79).
import type { HttpResponse, MoleculeError } from "../transport/index.js";
import { errorText, type Hints, httpError } from "./http-errors.js";

/**
 * The 401 and 403 messages of an `AdminClient` call `op`: they name the admin token passed to
 * `AdminClient` (`adminToken`), never the token is shown.
 */
export function adminAuthHints(op: string, res: HttpResponse, known: readonly string[]): Hints {
  const detail = errorText(res.body, known);
  const said = detail ? ` "${detail}"` : "";
  return {
    401: `${op} was rejected with 401${said}: the admin token is missing, wrong or revoked; pass the platform's ADMIN_TOKEN (or an org API token of this org) as adminToken to AdminClient`,
    403: `${op} is not allowed (403)${said}: the admin token passed to AdminClient (adminToken) may not do this; use the platform's ADMIN_TOKEN or an org API token of this org that may`,
  };
}

/** The typed error of a non-2xx answer to `AdminClient` call `op`: a 401/403 names the admin token. */
export function adminError(
  admin: { token: string },
  res: HttpResponse,
  op: string,
  hints: Hints = {},
): MoleculeError {
  const known = [admin.token];
  return httpError(res, op, known, { ...adminAuthHints(op, res, known), ...hints });
}
