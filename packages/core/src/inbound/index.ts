// Public API of inbound/ (see shared/DESIGN.md section 3).
export {};
export { inboundFromA2AMessage, parseActivityRow } from "./message.js";
export type { InboundMessage, InboundSource } from "./message.js";
