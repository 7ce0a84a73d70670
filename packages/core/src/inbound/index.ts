// Internal entry of inbound/: what other folders of core may import (docs/architecture.md). The
// public API is src/index.ts and src/public/*.ts.
export { inboundFromA2AMessage, parseActivityRow } from "./message.js";
export type { InboundMessage, InboundSource } from "./message.js";
export { fetchActivity, fetchInbound } from "./activity.js";
export type { ActivityPage, ActivityReader } from "./activity.js";
export { FileCursorStore, MemoryCursorStore, MoleculeStoreError } from "./cursor-store.js";
export { FileTaskStore } from "./file-task-store.js";
export type {
  CursorState,
  CursorStore,
  DeadLetterRecord,
  InFlightEntry,
  PushDeliveryEntry,
  StoreErrorCode,
} from "./cursor-store.js";
export { isInboundActivityEvent } from "./event-stream.js";
export type { EventStreamBody } from "./event-stream.js";
export { InboundGapWarning } from "./gap-warning.js";
export type { InboundGapReason } from "./gap-warning.js";
export type { Backfill } from "./backfill.js";
export type { OutboxRecord } from "./outbox-state.js";
export type { InboundPage, PollDeliveryOptions } from "./poll-options.js";
// Internal: used by other folders of core, not public API (see src/index.ts).
export { BoundedSet, boundedKey } from "./dedup.js";
export { checkBackfill } from "./backfill.js";
export { PollDelivery, isUnauthorized } from "./poll.js";
export { toActivityPage } from "./activity.js";
export { EventWakeups } from "./event-stream.js";
export type { EventWakeupsOptions } from "./event-stream.js";
