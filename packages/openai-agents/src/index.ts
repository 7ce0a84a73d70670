// @molecule-ai/openai-agents: Molecule peers as OpenAI Agents SDK tools, and an OpenAI Agents SDK
// agent as the handler of a Molecule workspace.
export { peerTools } from "./peer-tools.js";
export type { MoleculeFunctionTool, PeerToolsOptions } from "./peer-tools.js";
export { createPeerMessageHandler } from "./message-handler.js";
export type {
  AnyAgent,
  ApprovalAsker,
  PeerMessageHandlerOptions,
  PeerRunFunction,
  PeerRunResult,
  ToolApprovalOptions,
} from "./message-handler.js";
