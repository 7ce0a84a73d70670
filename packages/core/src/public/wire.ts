// Public API of @molecule-ai/agent-core/wire: the platform's payloads as they travel (snake_case,
// both the April-2026 baseline and the newer shapes), as inferred types only, never the schemas;
// plus the event-stream body and the activity-row parser for code that reads the wire itself.
export type {
  WireActivityRow,
  WireCreateWorkspaceResponse,
  WireDelegateResponse,
  WireDiscoverResponse,
  WireJsonRpcResponse,
  WirePeer,
  WireRegisterResponse,
  WireStateResponse,
  WireTokenList,
  WireWorkspace,
} from "../wire/index.js";
export type { ActivityRows, EventStream } from "../platform/index.js";
// The platform's status values, typed (unknown ones pass through as strings).
export type { DelegationStatus, WorkspaceStatus } from "../platform/index.js";
export { parseActivityRow } from "../inbound/index.js";
export { isInboundActivityEvent } from "../platform/index.js";
export type { EventStreamBody } from "../platform/index.js";
