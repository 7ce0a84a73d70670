// Internal entry of inbound/: what other folders of core may import (docs/architecture.md). The
// public API is src/index.ts and src/public/*.ts.
export {
  deliveryOf,
  inboundFromA2AMessage,
  parseActivityRow,
  parseAnnouncedRow,
} from "./message.js";
export type { InboundMessage, InboundSource } from "./message.js";
export { fetchActivity, fetchInbound } from "./activity.js";
export type { ActivityPage, ActivityReader } from "./activity.js";
export type {
  CursorState,
  CursorStore,
  DeadLetterRecord,
  InFlightEntry,
  OutboxRecord,
  PendingToolCallRecord,
  PlatformPushRecord,
  PushDeliveryEntry,
} from "./cursor-state.js";
export { InboundGapWarning } from "./gap-warning.js";
export type { InboundGapReason } from "./gap-warning.js";
export type { Backfill } from "./backfill.js";
export type { InboundPage } from "./activity.js";
// Internal: used by other folders of core, not public API (see src/index.ts).
export { BoundedSet, boundedKey, droppedSince, messageKey, pushKey } from "./dedup.js";
export { ALL_SECS, backfillSecs, checkBackfill } from "./backfill.js";
export { Waker } from "./waker.js";
export { SettleWindow, compareRows } from "./settle-window.js";
export type { RowPosition, RowRead } from "./settle-window.js";
export { toActivityPage } from "./activity.js";
export { askForInput, isAskingForInput } from "./input-request.js";
