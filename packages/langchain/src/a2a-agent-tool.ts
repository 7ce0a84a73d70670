// Any A2A agent by URL as a LangChain tool: a `RemoteA2AAgent` (`@molecule-ai/agent-core/a2a`)
// called like a Molecule peer, with the same tool as `createPeerTool` (description from its card,
// the answer sanitised and spotlit for the model, the raw result in `ToolMessage.artifact`, the
// same `onError` policy).
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { a2aAgentPeer, type A2AAgentToolOptions } from "@molecule-ai/agent-core/peer-tools";
import { createPeerTool, type PeerTool } from "./peer-tool.js";

export type { A2AAgentToolOptions };

/**
 * Turns a remote A2A agent into a LangChain tool (`call_<slug of its card's name>`). Connect it
 * first (`await agent.connect()`) so the model reads its card's description and skills. The agent
 * gets only the credentials its card asks for (never this workspace's token).
 *
 * @param agent - `new RemoteA2AAgent({ url, credentials })`.
 * @param options - Name, description, error handling, per-call timeout.
 * @example
 * const agent = new RemoteA2AAgent({ url: "https://agents.example.com/a2a" });
 * await agent.connect();
 * const tools = [a2aAgentTool(agent)];
 */
export function a2aAgentTool(agent: RemoteA2AAgent, options: A2AAgentToolOptions = {}): PeerTool {
  const { client, peer } = a2aAgentPeer(agent);
  return createPeerTool(client, peer, options);
}
