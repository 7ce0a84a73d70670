// The platform connection as workspace_info reports it: `ok` while calls are answered, else what
// failed on the way to the platform, from the most recent failure's typed code: `certificate:
// tls_expired`, `name resolution: ENOTFOUND`, `proxy: proxy_refused`, `outage: connection_failed`
// (or `timeout`). A code this version does not know is `unreachable: <code>`.
import { isMoleculeError } from "@molecule-ai/agent-core";
import { tlsProblemOf } from "@molecule-ai/agent-core/adapters";

/** Node's codes of a host name that did not resolve. */
const NAME_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ENODATA"]);

/** The first name-resolution code on `err` or its causes. */
function nameCodeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 6 && e !== null && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NAME_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How the connection that failed with `err` is reported (see the file's head). */
export function connectionOf(err: unknown): string {
  const code = isMoleculeError(err) ? err.code : "error";
  if (tlsProblemOf(err) !== undefined) return `certificate: ${code}`;
  if (code.startsWith("proxy_")) return `proxy: ${code}`;
  const name = nameCodeOf(err);
  if (name !== undefined) return `name resolution: ${name}`;
  if (code === "connection_failed" || code === "timeout") return `outage: ${code}`;
  return `unreachable: ${code}`;
}
