// What differs between the runtimes the SDK runs in: how its lazily loaded modules (undici, zod,
// `@opentelemetry/api`) are loaded. modules.ts on Node, Bun and Deno; modules.web.ts in the edge
// build (`dist/edge/`, rolldown.config.ts) for workerd, Next's edge runtime and browsers.
export { loadOTel, loadUndici, loadZod } from "./modules.js";
