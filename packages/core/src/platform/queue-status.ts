// The fate of a call the platform queued for a busy peer (`202 {queued: true, queue_id}`):
// `GET /workspaces/:id/a2a/queue/:queue_id` (molecule-core #2333, RFC #2331 Tier 1).
import { textOfBase64 } from "../runtime/index.js";
import { redactDeep } from "../transport/index.js";
import { queueStatusSchema } from "../wire/index.js";
import { invalid } from "./args.js";
import { errorText, ok } from "./http-errors.js";
import { UUID_RE } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";

/**
 * A queued call's status: `queued`, `dispatched` (being delivered), `completed`, `failed` (the
 * platform gave up after its attempts) or `dropped` (swept as stale), or another string a newer
 * platform sends, passed through as is.
 */
export type QueuedCallStatus =
  | "queued"
  | "dispatched"
  | "completed"
  | "failed"
  | "dropped"
  | (string & {});

/** Result of `PlatformClient.getQueuedCall`. */
export interface QueuedCall {
  queueId: string;
  /** The workspace the call was queued for (the busy peer). */
  workspaceId: string;
  status: QueuedCallStatus;
  /** The platform's priority of the item (50 for a peer call). */
  priority: number | null;
  /** Delivery attempts so far. */
  attempts: number;
  /** Why the last attempt failed, when one did. */
  lastError?: string;
  /** When it was queued (`undefined` when the platform's time could not be read: see `raw`). */
  enqueuedAt: Date | undefined;
  /** When the current delivery attempt began. */
  dispatchedAt?: Date;
  completedAt?: Date;
  /** When the platform stops trying (a call sent with `params.expires_in_seconds`). */
  expiresAt?: Date;
  /**
   * A completed delegation's result, when the platform joined one: only a call `delegate` queued
   * has one (a plain `callPeer`'s answer is not kept). `text` is peer output: apply
   * `sanitizePeerText` before a model reads it. `body` is the result row's `response_body`.
   */
  result?: { text?: string; delegationId?: string; body: unknown };
  /** The response body as sent (timestamps as Postgres text, `response_body` as base64). */
  raw: unknown;
}

/**
 * A time as the platform sends it (Postgres `timestamptz::text`, `2026-05-01 12:00:00.123+00`) or
 * as RFC 3339; `undefined` for anything else.
 */
function pgTime(text: string | null | undefined): Date | undefined {
  if (!text) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(
    text,
  );
  if (!m) return undefined;
  const zone = m[3]!;
  const offset =
    zone === "Z" ? zone : `${zone.slice(0, 3)}:${zone.slice(3).replace(":", "") || "00"}`;
  const d = new Date(`${m[1]}T${m[2]}${offset}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `response_body`: base64 (a Go `[]byte`) of the result row's JSON; `undefined` when unreadable. */
function decodeResult(b64: string | null | undefined): QueuedCall["result"] {
  if (!b64) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(textOfBase64(b64));
  } catch {
    return undefined;
  }
  const o = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const result: NonNullable<QueuedCall["result"]> = { body };
  if (typeof o.text === "string") result.text = o.text;
  if (typeof o.delegation_id === "string") result.delegationId = o.delegation_id;
  return result;
}

/** A number the platform sent, else `null`. */
function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** `GET /workspaces/<self>/a2a/queue/:queueId`; see `PlatformClient.getQueuedCall`. */
export async function getQueuedCall(
  s: PlatformSession,
  queueId: string,
  options: { signal?: AbortSignal | undefined },
): Promise<QueuedCall> {
  if (typeof queueId !== "string" || !UUID_RE.test(queueId))
    throw invalid(
      `getQueuedCall needs the queue id of a queued call (a UUID: the receipt's queueId); got ${JSON.stringify(queueId)}`,
    );
  const id = queueId.toLowerCase();
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/a2a/queue/${enc(id)}`,
    headers: s.selfHeaders,
    signal: options.signal,
  });
  if (!ok(res.status)) {
    const said = errorText(res.body, s.known);
    throw s.fail(res, "getQueuedCall", {
      404:
        said === "queue item not found"
          ? `queued call ${id} not found: it does not exist, or workspace ${s.workspaceId} is neither its caller nor its target (the platform answers 404 for both)`
          : `this platform has no queue status route (404${said ? ` "${said}"` : ""}); it came after April 2026 (molecule-core #2333)`,
    });
  }
  const q = s.expect(queueStatusSchema, res, "getQueuedCall");
  const out: QueuedCall = {
    queueId: q.queue_id,
    workspaceId: q.workspace_id ?? "",
    status: q.status,
    priority: num(q.priority),
    attempts: num(q.attempts) ?? 0,
    enqueuedAt: pgTime(q.enqueued_at),
    raw: redactDeep(res.body, s.known),
  };
  if (q.last_error) out.lastError = q.last_error;
  const dispatched = pgTime(q.dispatched_at);
  if (dispatched) out.dispatchedAt = dispatched;
  const completed = pgTime(q.completed_at);
  if (completed) out.completedAt = completed;
  const expires = pgTime(q.expires_at);
  if (expires) out.expiresAt = expires;
  const result = decodeResult(q.response_body);
  if (result) out.result = result;
  return out;
}
