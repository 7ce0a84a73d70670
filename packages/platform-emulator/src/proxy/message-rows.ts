// One row per message: on 2026-08 a proxied call's activity row carries the A2A messageId of its
// body (`message_id`, set by `logA2ASuccess` and `logA2AReceiveQueued` through
// `extractMessageIdFromA2ABody`, a2a_proxy_helpers.go 796-810 and 1346-1379 at enteros-core
// aeec8e47), and `LogActivity` inserts it `ON CONFLICT (workspace_id, message_id) WHERE message_id
// IS NOT NULL DO UPDATE` (activity.go 1134-1160): a call sent again with the same messageId updates
// the row its first send wrote (response, status, duration, error, tool trace; the request stays)
// and adds none, so a poll target does not read it twice. Not on 2026-05 (50c3bdfd has no
// `message_id` column) nor 2026-04.
import type { Platform } from "../platform.js";
import type { ActivityRow } from "../store.js";
import { isObject } from "../util.js";

type NewRow = Omit<ActivityRow, "seq" | "id" | "created_at">;

/** Each platform's rows by workspace and message id. */
const rowsOf = new WeakMap<Platform, Map<string, ActivityRow>>();

/** The `message_id` of a proxied call: `params.message.messageId` of its body. */
export function messageIdOf(env: Record<string, unknown>): string | undefined {
  const params = env["params"];
  const message = isObject(params) ? params["message"] : undefined;
  const id = isObject(message) ? message["messageId"] : undefined;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** `LogActivity` of a proxied call's row with its `message_id` (see the file's head). */
export function logWithMessageId(
  platform: Platform,
  row: NewRow,
  messageId: string | undefined,
): ActivityRow {
  if (!platform.august || messageId === undefined) return platform.logActivity(row);
  let rows = rowsOf.get(platform);
  if (rows === undefined) rowsOf.set(platform, (rows = new Map()));
  const key = `${row.workspace_id}\n${messageId}`;
  const old = rows.get(key);
  // A row deleted with its workspace is gone; one written and not committed yet is held.
  if (
    old === undefined ||
    (platform.store.activityById.get(old.id) !== old && platform.whenCommitted(old) === undefined)
  ) {
    const r = platform.logActivity(row, messageId);
    rows.set(key, r);
    return r;
  }
  const answered = old.response_body !== undefined && old.response_body !== null;
  if (row.response_body !== undefined && row.response_body !== null)
    old.response_body = row.response_body;
  if (!(answered && row.status === "error")) {
    old.status = row.status;
    old.error_detail = row.error_detail;
    if (row.duration_ms !== null) old.duration_ms = row.duration_ms;
  }
  if (row.tool_trace !== undefined && row.tool_trace !== null) old.tool_trace = row.tool_trace;
  return old;
}
