// The event emitter core uses as undici's cheap abort signal: Node's on Node, Bun and Deno; the
// edge build swaps in events.web.ts.
export { EventEmitter } from "node:events";
