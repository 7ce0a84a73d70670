// Public API of @molecule-ai/agent-core: each folder's index decides what it exports.
export * from "./transport/index.js";
export * from "./wire/index.js";
export * from "./a2a/index.js";
export * from "./platform/index.js";
export * from "./inbound/index.js";
export * from "./agent/index.js";
export * from "./plugins/index.js";
