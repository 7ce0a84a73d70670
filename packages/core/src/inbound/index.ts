// Public API of inbound/ (see shared/DESIGN.md section 3).
export { FileCursorStore, MemoryCursorStore } from "./cursor-store.js";
export type { CursorState, CursorStore, InFlightEntry } from "./cursor-store.js";
export { isInboundActivityEvent } from "./event-stream.js";
export type { EventStreamBody } from "./event-stream.js";
