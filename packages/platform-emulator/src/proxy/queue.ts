// The busy-target A2A queue: enqueueing with de-duplication by messageId.
import type { Platform } from "../platform.js";
import type { QueueRow, WorkspaceRow } from "../store.js";
import { isObject, newId } from "../util.js";

/** Queues an envelope for a busy target (one item per messageId). */
export function enqueue(
  platform: Platform,
  target: WorkspaceRow,
  callerId: string | null,
  env: Record<string, unknown>,
): QueueRow {
  const params = env["params"];
  const mid =
    isObject(params) &&
    isObject(params["message"]) &&
    typeof params["message"]["messageId"] === "string"
      ? params["message"]["messageId"]
      : null;
  if (mid !== null) {
    const dup = platform.store.queue.find(
      (q) =>
        q.workspaceId === target.id &&
        q.idempotencyKey === mid &&
        (q.status === "queued" || q.status === "dispatched"),
    );
    if (dup !== undefined) return dup;
  }
  const now = platform.now();
  // `params.expires_in_seconds`, a positive integer, sets `expires_at` (#2333; `a2a_queue.go`
  // 45-70 at 50c3bdfd); anything else leaves it NULL. Read in both contracts, stored only.
  const ttl = isObject(params) ? params["expires_in_seconds"] : undefined;
  const q: QueueRow = {
    id: newId(),
    workspaceId: target.id,
    callerId,
    envelope: env,
    idempotencyKey: mid,
    attempts: 0,
    status: "queued",
    createdAt: now,
    expiresAt:
      typeof ttl === "number" && Number.isInteger(ttl) && ttl > 0 ? now + ttl * 1000 : null,
  };
  platform.store.queue.push(q);
  platform.changed();
  return q;
}
