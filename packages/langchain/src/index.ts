// Public API of @molecule-ai/langchain. This entry imports only @langchain/core (never `langchain`
// or `@langchain/langgraph`, which are optional peers); the middleware lives in `./middleware`.
export * from "./builtin-tools.js";
export * from "./handler.js";
export * from "./peer-tool.js";
export * from "./a2a-agent-tool.js";
export * from "./toolkit.js";
export * from "./memory-tools.js";
export * from "./send-tool.js";
export * from "./work-tools.js";
// The framework-neutral types and helpers are core's, under the names this package always had.
export { MOLECULE_TOOL_METADATA, moleculeToolKind } from "@molecule-ai/agent-core/peer-tools";
export { peerToolInputSchema as peerToolSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
export type {
  AgentSource,
  DelegateClient,
  DelegateToolOptions,
  ListPeersClient,
  ListPeersToolOptions,
  LoadPeerToolsOptions,
  OnPeerError,
  PeerCallClient,
  PeerLike,
  PeerToolArtifact,
  PeerToolErrorArtifact,
  PeerToolInput,
  PeerToolkitClient,
  PeerToolkitOptions,
  PeerToolOptions,
  WorkToolsOptions,
} from "@molecule-ai/agent-core/peer-tools";
export { WorkLedger } from "@molecule-ai/agent-core/peer-tools";
export { threadIdFor } from "@molecule-ai/agent-core/adapters";
export type { PeerMessageHandler } from "@molecule-ai/agent-core/adapters";
