// The event emitter core uses as undici's cheap abort signal: Node's on Node, Bun and Deno; the
// edge build swaps in events.web.ts. (`process.getBuiltinModule`: no ESM facade to build.)
export const { EventEmitter } = process.getBuiltinModule("node:events");
