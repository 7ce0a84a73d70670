// @molecule-ai/openai-agents: Molecule peers as OpenAI Agents SDK tools, and an OpenAI Agents SDK
// agent as the handler of a Molecule workspace.
export { peerTools } from "./peer-tools.js";
export type { MoleculeFunctionTool, PeerToolsOptions } from "./peer-tools.js";
// Any A2A agent by URL as a tool (a `RemoteA2AAgent` of @molecule-ai/agent-core/a2a).
export { a2aAgentTool } from "./a2a-agent-tool.js";
export type { A2AAgentToolOptions } from "./a2a-agent-tool.js";
export { createPeerMessageHandler } from "./message-handler.js";
export type {
  AnyAgent,
  ApprovalAsker,
  PeerMessageHandlerOptions,
  PeerRunFunction,
  PeerRunResult,
  ToolApprovalOptions,
} from "./message-handler.js";
