// What keeps the MCP HTTP server cheap to refuse: a refused request's body is never read (the
// connection closes after the answer), and a bound on open connections that closes the oldest one
// holding no request, so idle or half-sent connections cannot crowd out requests that arrive whole.
import { ConnectionLimit } from "@molecule-ai/agent-core/adapters";

export { closeUnread, lingerUnread, verifyBearer } from "@molecule-ai/agent-core/adapters";

/** Open connections at most; MCP clients are few and local (32 sessions, one stream each). */
const MAX_CONNECTIONS = 256;
/** A client must send its request head within this (ms), its whole request within the next. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often node:http checks those timeouts (its default, 30 s, cut them up to 30 s late). */
export const TIMEOUT_CHECK_MS = 1_000;

/** The bound on the MCP server's open connections (core's, as the push server's). */
export function boundConnections(): ConnectionLimit {
  return new ConnectionLimit(MAX_CONNECTIONS);
}
