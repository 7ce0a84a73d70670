// The platform connection as workspace_info reports it: `ok` while calls are answered, else what
// failed on the way to the platform, as core's judge of who answered says (`pathFailureOf`) with
// the failure's typed code: `certificate: tls_expired`, `name resolution: ENOTFOUND`, `proxy:
// proxy_refused`, `front: 302 redirect to https://sso.example`, `outage: connection_failed` (or
// `timeout`). Anything else is `unreachable: <code>`.
import { isMoleculeError } from "@molecule-ai/agent-core";
import { type PathCause, pathFailureOf } from "@molecule-ai/agent-core/adapters";

/** How each cause is named. */
const LABEL: Record<PathCause, string> = {
  certificate: "certificate",
  resolver: "name resolution",
  proxy: "proxy",
  front: "front",
  connection: "outage",
};

/** How the connection that failed with `err` is reported (see the file's head). */
export function connectionOf(err: unknown): string {
  const code = isMoleculeError(err) ? err.code : "error";
  const path = pathFailureOf(err);
  // The resolver's code, and what the front answered, say more than the typed code.
  if (path?.cause === "resolver") return `name resolution: ${path.detail.split(" ")[0]}`;
  if (path?.cause === "front") return `front: ${path.detail}`;
  if (path !== undefined) return `${LABEL[path.cause]}: ${code}`;
  if (code === "timeout") return `outage: ${code}`;
  return `unreachable: ${code}`;
}
