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
  const q: QueueRow = {
    id: newId(),
    workspaceId: target.id,
    callerId,
    envelope: env,
    idempotencyKey: mid,
    attempts: 0,
    status: "queued",
    createdAt: platform.now(),
  };
  platform.store.queue.push(q);
  platform.changed();
  return q;
}
