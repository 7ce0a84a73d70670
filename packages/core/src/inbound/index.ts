// Public API of inbound/ (see shared/DESIGN.md section 3).
export { inboundFromA2AMessage, parseActivityRow } from "./message.js";
export type { InboundMessage, InboundSource } from "./message.js";
export { fetchActivity, fetchInbound } from "./activity.js";
export type { ActivityPage, ActivityReader } from "./activity.js";
export { FileCursorStore, MemoryCursorStore } from "./cursor-store.js";
export type { CursorState, CursorStore, InFlightEntry } from "./cursor-store.js";
export { isInboundActivityEvent } from "./event-stream.js";
export type { EventStreamBody } from "./event-stream.js";
export { InboundGapWarning } from "./gap-warning.js";
export type { InboundGapReason } from "./gap-warning.js";
export type { Backfill } from "./backfill.js";
export type { OutboxRecord } from "./outbox-state.js";
export type { InboundPage } from "./poll.js";
