// The sidecar of a file store (`<path>.state.json`), as read back: every field checked, malformed
// entries dropped, so a state written by an older version (or edited by hand) loads cleanly.
import { type AnswerTask, isAnswerFailure } from "../a2a/index.js";
import type {
  CursorState,
  InFlightEntry,
  OutboxRecord,
  PendingToolCallRecord,
} from "../inbound/index.js";

/** What the sidecar holds beside the state. */
export interface Sidecar extends CursorState {
  version: 1;
  /** The cursor file's content before the save that wrote this sidecar (crash detection). */
  previousCursor?: string;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

/** The sidecar in `value`, checked; `undefined` when it is not a JSON object. */
export function parseSidecar(value: unknown): Sidecar | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const out: Sidecar = { version: 1 };
  if (typeof v.cursor === "string") out.cursor = v.cursor;
  if (typeof v.previousCursor === "string") out.previousCursor = v.previousCursor;
  if (typeof v.cursorAt === "string") out.cursorAt = v.cursorAt;
  if (typeof v.startedAt === "string") out.startedAt = v.startedAt;
  if (typeof v.settleFrom === "string" && typeof v.settleFromAt === "string") {
    out.settleFrom = v.settleFrom;
    out.settleFromAt = v.settleFromAt;
  }
  const a = stringArray(v.seenActivityIds);
  if (a) out.seenActivityIds = a;
  const m = stringArray(v.seenMessageIds);
  if (m) out.seenMessageIds = m;
  const outbox = parseOutboxRecords(v.outbox);
  if (outbox && outbox.length > 0) out.outbox = outbox;
  if (Array.isArray(v.inFlight)) {
    out.inFlight = records(v.inFlight)
      .map((e) => {
        const entry: InFlightEntry = {};
        if (typeof e.activityId === "string") entry.activityId = e.activityId;
        if (typeof e.messageId === "string") entry.messageId = e.messageId;
        if (count(e.deliveries)) entry.deliveries = e.deliveries;
        return entry;
      })
      .filter((e) => e.activityId !== undefined || e.messageId !== undefined);
  }
  const push = records(v.pushDeliveries).filter(
    (e) => typeof e.messageId === "string" && count(e.deliveries),
  );
  if (push.length > 0) {
    out.pushDeliveries = push.map((e) => ({
      messageId: e.messageId as string,
      ...(typeof e.content === "string" ? { content: e.content } : {}),
      deliveries: e.deliveries as number,
    }));
  }
  const dead = records(v.deadLetters).filter(
    (e) => (e.delivery === "poll" || e.delivery === "push") && count(e.deliveries),
  );
  if (dead.length > 0) {
    out.deadLetters = dead.map((e) => ({
      delivery: e.delivery as "poll" | "push",
      ...(typeof e.activityId === "string" ? { activityId: e.activityId } : {}),
      ...(typeof e.messageId === "string" ? { messageId: e.messageId } : {}),
      ...(typeof e.content === "string" ? { content: e.content } : {}),
      deliveries: e.deliveries as number,
      deadAt: typeof e.deadAt === "string" ? e.deadAt : "",
    }));
  }
  const platform = v.platformPush;
  if (platform && typeof platform === "object" && !Array.isArray(platform)) {
    const p = platform as Record<string, unknown>;
    out.platformPush = {
      ...(typeof p.bearer === "string" && /^[0-9a-f]{64}$/.test(p.bearer)
        ? { bearer: p.bearer }
        : {}),
      ...(p.signs === true ? { signs: true } : {}),
    };
  }
  const calls = parseToolCalls(v.pendingToolCalls);
  if (calls.length > 0) out.pendingToolCalls = calls;
  return out;
}

const CALL_STATUSES = new Set(["pending", "running", "done", "refused"]);

/** Reads the pending tool calls (see `CursorState.pendingToolCalls`), dropping malformed ones. */
function parseToolCalls(value: unknown): PendingToolCallRecord[] {
  return records(value)
    .filter(
      (e) =>
        typeof e.key === "string" &&
        typeof e.tool === "string" &&
        typeof e.digest === "string" &&
        typeof e.status === "string" &&
        CALL_STATUSES.has(e.status) &&
        "input" in e,
    )
    .map((e) => ({
      key: e.key as string,
      ...(typeof e.messageKey === "string" ? { messageKey: e.messageKey } : {}),
      tool: e.tool as string,
      input: e.input,
      digest: e.digest as string,
      status: e.status as PendingToolCallRecord["status"],
      ...(typeof e.run === "string" ? { run: e.run } : {}),
      createdAt: typeof e.createdAt === "string" ? e.createdAt : "",
    }));
}

function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value)
    ? value.filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
    : [];
}

function count(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

// The persisted reply outbox (see `CursorState.outbox`): answers not sent yet.
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads outbox records from stored JSON, dropping malformed entries. */
function parseOutboxRecords(value: unknown): OutboxRecord[] | undefined {
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
    if (isAnswerFailure(v.failure)) rec.failure = v.failure;
    out.push(rec);
  }
  return out;
}
