// Public API of @molecule-ai/ai-sdk: Molecule peers as AI SDK tools, AI SDK agents as workspaces.
export { peerTool, peerToolApproval, peerResultToModelOutput } from "./peer-tool.js";
// Any A2A agent by URL as a tool (a `RemoteA2AAgent` of @molecule-ai/agent-core/a2a).
export { a2aAgentTool } from "./a2a-agent-tool.js";
export type { A2AAgentToolOptions } from "./a2a-agent-tool.js";
export type {
  PeerTool,
  PeerToolError,
  PeerToolOptions,
  PeerToolOutput,
  ToolResultOutput,
} from "./peer-tool.js";
export {
  DELEGATE_TASK_TOOL,
  DELEGATE_TO_PEER_TOOL,
  LIST_PEERS_TOOL,
  peerTools,
} from "./peer-tools.js";
export type {
  DelegateTaskInput,
  DelegateTaskTool,
  ListPeersTool,
  PeerMatcher,
  PeerSummary,
  PeerToolSet,
  PeerToolsOptions,
} from "./peer-tools.js";
export type { PeerToolInput, WorkToolsOptions } from "@molecule-ai/agent-core/peer-tools";
export { WorkLedger } from "@molecule-ai/agent-core/peer-tools";
export { workTools } from "./work-tools.js";
export type { WorkTool, WorkToolOutput, WorkToolSet } from "./work-tools.js";
export type { AgentSource, PeerRef, PeerToolClient, PeerToolsClient } from "./client.js";
export { createPeerMessageHandler, defaultConversationKey } from "./message-handler.js";
export type {
  PeerAgentLike,
  PeerGenerateFunction,
  PeerGenerateInput,
  PeerGenerateResult,
  PeerMessageContext,
  PeerMessageHandler,
  PeerMessageHandlerOptions,
  PeerStreamResult,
} from "./message-handler.js";
export { MemoryConversationStore } from "./message-handler.js";
export type { ConversationStore } from "./message-handler.js";
export type { MemoryConversationStoreOptions } from "@molecule-ai/agent-core/adapters";
// The A2A push endpoint is framework-neutral: core's, under this package's name too.
export { createPeerRequestHandler } from "@molecule-ai/agent-core/adapters";
export type {
  PeerRequestClient,
  PeerRequestContext,
  PeerRequestHandler,
  PeerRequestHandlerOptions,
  PeerRequestMessageHandler,
} from "@molecule-ai/agent-core/adapters";
export { peerOutputSanitizer } from "./middleware.js";
export type { PeerOutputSanitizerOptions } from "./middleware.js";
export { canvasApprovals, memoryTools, skillsFromToolSet } from "./org-tools.js";
export type {
  ApprovalAsker,
  CanvasApprovalsOptions,
  MemoryToolClient,
  MemoryTools,
  MemoryToolsOptions,
} from "./org-tools.js";
// Files to the canvas user (`send_message_to_user`).
export { sendToUserTool } from "./send-tool.js";
export type { SendToUserClient, SendToUserTool, SendToUserToolOptions } from "./send-tool.js";
