// Public API of @molecule-ai/langchain. This entry imports only @langchain/core (never `langchain`
// or `@langchain/langgraph`, which are optional peers); the middleware lives in `./middleware`.
export * from "./builtin-tools.js";
export * from "./handler.js";
export * from "./marker.js";
export * from "./peer-tool.js";
export * from "./toolkit.js";
export type * from "./types.js";
