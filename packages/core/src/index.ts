export { makeIdempotencyKey } from "./platform/index.js";
