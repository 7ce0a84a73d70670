// The real server's recorded oddities, reproduced so that client code meets them in tests:
// gin's trailing-slash redirect body, the 500s a malformed id causes, and the `q` filter's panic
// (shared/conformance/real-server-2026-04.json).
import type { ServerResponse } from "node:http";
import type { Contract } from "./contract.js";

/**
 * The `500 {"error": ...}` texts the real server answers when an id is not a UUID (its database
 * rejects the value) or a `parent_id` names no workspace (a foreign-key failure).
 */
export const MALFORMED_ID_ERROR = {
  register: "registration failed",
  heartbeat: "failed to update",
  create: "failed to create workspace",
} as const;

/**
 * gin's `RedirectTrailingSlash`: `301` for GET (`307` otherwise) to the path without its trailing
 * slash, with Go's `http.Redirect` HTML body for GET and HEAD.
 */
export function writeTrailingSlashRedirect(
  res: ServerResponse,
  headers: Record<string, string | number>,
  method: string,
  location: string,
): void {
  headers["Location"] = location;
  if (method !== "GET" && method !== "HEAD") {
    headers["Content-Length"] = 0;
    res.writeHead(307, headers);
    res.end();
    return;
  }
  const body = `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n`;
  headers["Content-Type"] = "text/html; charset=utf-8";
  headers["Content-Length"] = Buffer.byteLength(body);
  res.writeHead(301, headers);
  res.end(method === "HEAD" ? undefined : body);
}

function htmlEscape(s: string): string {
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&#34;")
    .replaceAll("'", "&#39;");
}

/**
 * Whether `GET /registry/:id/peers?q=` crashes: on the 2026-04 server a non-empty `q` dereferences
 * every candidate peer's role, so one peer without a role turns the call into gin's recovery
 * answer (see {@link writeRecoveredPanic}).
 */
export function peersQueryPanics(
  contract: Contract,
  q: string,
  candidates: ReadonlyArray<{ role: string | null }>,
): boolean {
  return contract === "2026-04" && q !== "" && candidates.some((w) => w.role === null);
}

/** gin's `Recovery()` after a panic: `500` with an empty body and no content type. */
export function writeRecoveredPanic(
  res: ServerResponse,
  headers: Record<string, string | number>,
): void {
  headers["Content-Length"] = 0;
  res.writeHead(500, headers);
  res.end();
}
