// Public API of @molecule-ai/mcp: an MCP server that makes an MCP host a Molecule AI workspace.
export { MCP_CLI_OPTIONS, readHttpConfig, readMcpConfig } from "./config.js";
export type {
  McpCliOption,
  McpCliValues,
  McpConfig,
  McpHttpConfig,
  McpWorkspaceConfig,
} from "./config.js";
export { FileMcpEventStore, sessionEventStore } from "./event-store.js";
export type { McpEventsAfter, McpEventStore, McpStoredEvent } from "./event-store.js";
export { startMcpHttp } from "./http.js";
export type { McpHttpOptions, McpHttpServer } from "./http.js";
export { INBOX_URI } from "./resource.js";
export type { Inbox, InboxMessage, ReplyRoute } from "./inbox.js";
export { runMcp } from "./run.js";
export type { McpRunIo } from "./run.js";
export { MoleculeMcp } from "./server.js";
export type { ChannelMeta, MoleculeMcpOptions } from "./server.js";
export type { McpWorkspace, McpWorkspaceEvents, WorkspaceStatus } from "./workspace.js";
