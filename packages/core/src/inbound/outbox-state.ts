// The persisted form of the reply outbox: answers whose handler is done but which are not sent
// yet. Stored with the cursor (same CursorStore, same atomic save) so settling a message and
// recording its pending answer are one state.
import type { AnswerTask } from "../a2a/index.js";
import type { InboundSource } from "./message.js";

/** One answer waiting in the reply outbox. */
export interface OutboxRecord {
  /** The answer's own A2A `messageId`, fixed when queued: a resend after a restart reuses it. */
  id: string;
  /** The answer text. */
  text: string;
  /** Who gets it: the essentials of the message it answers. */
  to: {
    source: InboundSource;
    sourceId: string | null;
    activityId?: string;
    messageId?: string;
    contextId?: string;
  };
  /** When the answer was queued (ISO 8601). */
  queuedAt: string;
  /** The agent's task the answer belongs to (a question, its end, or a refusal), if any. */
  task?: AnswerTask;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads outbox records from stored JSON, dropping malformed entries. */
export function parseOutboxRecords(value: unknown): OutboxRecord[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: OutboxRecord[] = [];
  for (const v of value) {
    if (!isRecord(v) || typeof v.id !== "string" || typeof v.text !== "string") continue;
    const to = isRecord(v.to) ? v.to : undefined;
    if (!to) continue;
    const source = to.source;
    if (source !== "canvas_user" && source !== "peer_agent" && source !== "unknown") continue;
    const rec: OutboxRecord = {
      id: v.id,
      text: v.text,
      to: { source, sourceId: typeof to.sourceId === "string" ? to.sourceId : null },
      queuedAt: typeof v.queuedAt === "string" ? v.queuedAt : new Date().toISOString(),
    };
    for (const k of ["activityId", "messageId", "contextId"] as const) {
      if (typeof to[k] === "string") rec.to[k] = to[k];
    }
    const task = isRecord(v.task) ? v.task : undefined;
    if (task && typeof task.id === "string" && typeof task.state === "string") {
      rec.task = { id: task.id, state: task.state as AnswerTask["state"] };
      if (typeof task.error === "number") rec.task.error = task.error;
    }
    out.push(rec);
  }
  return out;
}
