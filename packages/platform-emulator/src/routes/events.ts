// `GET /events` and `GET /events/:workspaceId`: the admin's history of structure events (the 100
// newest, newest first), as the real server answers them (handlers/events.go). Kept in memory.
import { type Ctx, HttpError, sendJson } from "../http-io.js";
import type { Platform, StructureEvent } from "../platform.js";
import { UUID_ANY_RE } from "../util.js";

const LIMIT = 100;

/** `GET /events` (every workspace) or `GET /events/:workspaceId`. AdminAuth. */
export function listEvents(platform: Platform, ctx: Ctx, workspaceId?: string): void {
  platform.adminAuth(ctx);
  let rows: StructureEvent[];
  if (workspaceId === undefined) {
    rows = [...platform.events.history.values()].flat();
    rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  } else {
    // The server's query compares a uuid column: anything else fails.
    if (!UUID_ANY_RE.test(workspaceId)) throw new HttpError(500, { error: "query failed" });
    rows = platform.events.history.get(workspaceId.toLowerCase()) ?? [];
  }
  sendJson(ctx, 200, rows.slice(-LIMIT).toReversed());
}
