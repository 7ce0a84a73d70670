export { makeIdempotencyKey } from "./idempotency.js";
