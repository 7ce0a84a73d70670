// Public API of @molecule-ai/langchain. This entry imports only @langchain/core (never `langchain`
// or `@langchain/langgraph`, which are optional peers); the middleware lives in `./middleware`.
export { createPeerTool, peerToolSchema } from "./peer-tool.js";
export type { PeerTool, PeerToolInput, PeerToolOptions, PeerToolOutput } from "./peer-tool.js";
export { createDelegateTool, createListPeersTool, loadPeerTools, PeerToolkit } from "./toolkit.js";
export type {
  DelegateTool,
  DelegateToolOptions,
  ListPeersTool,
  ListPeersToolOptions,
  LoadPeerToolsOptions,
  PeerFilter,
  PeerToolkitOptions,
  PeerToolkitTools,
} from "./toolkit.js";
export { createPeerMessageHandler, defaultReply, threadIdFor } from "./handler.js";
export type {
  MessagesRunnable,
  PeerMessageHandlerOptions,
  StreamingPeerMessageHandler,
  ThreadIdStrategy,
} from "./handler.js";
export { MOLECULE_TOOL_METADATA, moleculeToolKind } from "./marker.js";
export type {
  AgentSource,
  DelegateClient,
  ListPeersClient,
  OnPeerError,
  PeerCallClient,
  PeerLike,
  PeerMessageHandler,
  PeerToolArtifact,
  PeerToolErrorArtifact,
  PeerToolkitClient,
} from "./types.js";
