// What poll delivery, the reply outbox and the push delivery counts persist (one state, saved
// atomically), and the store contract that persists it. The built-in stores are in store/.
import type { PendingToolCallRecord } from "../platform/index.js";
import type { AnswerFailure, AnswerTask } from "../a2a/index.js";
import type { InboundSource } from "./message.js";

/** A message whose handler started but had not settled when the state was saved. */
export interface InFlightEntry {
  activityId?: string;
  messageId?: string;
  /** Times it was handed to a handler without settling, the running one included (default 1). */
  deliveries?: number;
}

/**
 * What poll delivery persists. Every field is optional so a store written by an older version (or
 * holding only the reference SDK's plain cursor) loads cleanly.
 */
export interface CursorState {
  /**
   * The id of the last activity row settled in order: every row up to and including it is done.
   * This is exactly what the Python reference SDK keeps in its cursor file.
   */
  cursor?: string;
  /**
   * When the cursor's row was logged (ISO 8601, the platform's clock). After a `410` (the cursor
   * was pruned) polling re-reads the time window since then instead of only the newest page.
   */
  cursorAt?: string;
  /**
   * Where a restart reads from when that is before `cursor`: the platform commits rows out of
   * order, so rows logged just before the newest read may still appear; a restart re-reads them
   * from here (the settle window's anchor) and drops the ones it settled (`seenActivityIds`).
   */
  settleFrom?: string;
  /** When the {@link settleFrom} row was logged (ISO 8601, the platform's clock). */
  settleFromAt?: string;
  /**
   * No cursor yet, and a `backfill: "none"` first start found no queued message at this time (ISO
   * 8601): every message the platform holds came later, so a restart delivers them, not skips them.
   */
  startedAt?: string;
  /** Recently settled activity ids, oldest first (bounded; see `dedupWindow`). */
  seenActivityIds?: string[];
  /** Recently settled messages as `<sender workspace id>\n<messageId>`, oldest first (bounded). */
  seenMessageIds?: string[];
  /**
   * Messages whose handler had started but not settled at save time. After a crash they are
   * delivered again with `ctx.redelivered === true`, so a handler can make its effect idempotent.
   */
  inFlight?: InFlightEntry[];
  /**
   * Answers whose handler finished but which were not delivered yet (the `RemoteAgent`'s reply
   * outbox): sent again after a restart, under the same answer `messageId`.
   */
  outbox?: OutboxRecord[];
  /** Pushed messages handed to a handler that did not settle yet (counted across restarts). */
  pushDeliveries?: PushDeliveryEntry[];
  /** Messages dead-lettered by the delivery limit (`maxDeliveries`), oldest first (bounded). */
  deadLetters?: DeadLetterRecord[];
  /** What a push agent learned about its platform's bearer (kept so a restart opens no window). */
  platformPush?: PlatformPushRecord;
  /**
   * Tool calls waiting for a person's decision, or decided and run (kept so a restart resumes the
   * same request and never runs an approved call twice): see `PendingToolCalls`.
   */
  pendingToolCalls?: PendingToolCallRecord[];
}

/**
 * What a push agent learned about its platform (see {@link CursorState.platformPush}): the secret
 * itself is never stored, only the SHA-256 of the header that carries it.
 */
export interface PlatformPushRecord {
  /** SHA-256 (hex) of `Bearer <platform_inbound_secret>`, the newest secret the platform sent. */
  bearer?: string;
  /** The platform said it sends that bearer with every push (its heartbeat answers `generation`). */
  signs?: boolean;
}

/** A pushed message's unsettled deliveries (see {@link CursorState.pushDeliveries}). */
export interface PushDeliveryEntry {
  /** The pushed message's A2A messageId. */
  messageId: string;
  /** Its content's fingerprint (see `PushClaimOptions.content`; none in older state). */
  content?: string;
  /** Times it was handed to a handler without settling. */
  deliveries: number;
}

/** A message dead-lettered by the delivery limit, as the memory and file stores keep it. */
export interface DeadLetterRecord {
  /** How it came: a poll row or a push request. */
  delivery: "poll" | "push";
  /** Its activity row id (poll). */
  activityId?: string;
  /** Its A2A messageId, when it has one. */
  messageId?: string;
  /** A pushed message's content fingerprint (see {@link PushDeliveryEntry.content}). */
  content?: string;
  /** How many times it was handed to a handler without settling. */
  deliveries: number;
  /** When it was dead-lettered (ISO 8601). */
  deadAt: string;
}

/**
 * Persists a {@link CursorState}. `save` must be atomic: after a crash, `load` returns either the
 * previous or the new state, never a mix. Implement it for Redis, a database, ... as needed.
 * A store that cannot read or write its state throws (never returns `undefined` for a state it
 * could not read): `MoleculeStoreError` is the error of the built-in ones.
 */
export interface CursorStore {
  /** The last saved state, or `undefined` when nothing was saved yet. */
  load(): Promise<CursorState | undefined>;
  /** Replaces the saved state. */
  save(state: CursorState): Promise<void>;
  /**
   * Optional: makes what `save` wrote durable where a save leaves some of that for later (the file
   * store syncs its journal to the disk and rewrites its plain cursor file). The agent calls it when
   * it stops.
   */
  flush?(): Promise<void>;
  /**
   * Optional: checks that the state can be read and written, without changing it (`start()` calls
   * it, so a store that cannot work fails the start instead of the first save).
   */
  check?(): Promise<void>;
  /**
   * Optional, for a store held under a lease (a file store given `lease`): resolves `true` while
   * its holder may act, `false` once the lease is lost. The agent asks it before a handler starts
   * and before an answer, an acknowledgement or a checkpoint leaves.
   */
  proven?(): Promise<boolean>;
}

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
  /**
   * Set on the answer that tells the sender its message was dead-lettered unanswered: why
   * (`handler_failed`, `turn_limit`, `delivery_limit`; see {@link AnswerFailure}).
   */
  failure?: AnswerFailure;
}

export type { PendingToolCallRecord } from "../platform/index.js";
