// The real server's recorded oddities, reproduced so that client code meets them in tests:
// gin's trailing-slash redirect body and the 500s a malformed id causes
// (shared/conformance/real-server-2026-04.json).
import type { ServerResponse } from "node:http";

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
