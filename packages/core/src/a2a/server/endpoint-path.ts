// The endpoint's path from `basePath` and the capability secret, with the secret's checks: shared by
// the routes (routes.ts) and a push agent's framework handler, which answers `endpointPath` and
// refuses a bad secret before the rest of the server is loaded (agent/source/push-handler.ts).
import { MoleculeOptionError } from "../../transport/index.js";
import { assertPathSecret } from "./secret.js";

/** `path` with a leading slash and no trailing slash (`"/"` stays `"/"`). */
export function normalizePath(path: string): string {
  let p = path.startsWith("/") ? path : `/${path}`;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/**
 * The endpoint path (`basePath` plus `/<pathSecret>`, or `basePath` alone with `false`); throws
 * `MoleculeOptionError` for an unset or malformed secret.
 */
export function endpointPathOf(
  basePath: string | undefined,
  pathSecret: string | false | undefined,
): string {
  if (pathSecret === undefined) {
    throw new MoleculeOptionError(
      "pathSecret",
      "pathSecret is not set: pass generatePathSecret() (and register the URL ending with it), or `false` to serve the endpoint without one, only behind your own authentication. (An unset environment variable reads as undefined: the endpoint is not opened.)",
    );
  }
  if (pathSecret !== false) assertPathSecret(pathSecret);
  const base = normalizePath(basePath ?? "/");
  return (base === "/" ? "" : base) + (pathSecret === false ? "" : `/${pathSecret}`) || "/";
}
