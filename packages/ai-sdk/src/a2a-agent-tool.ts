// Any A2A agent by URL as an AI SDK tool: a `RemoteA2AAgent` (`@molecule-ai/agent-core/a2a`)
// called like a Molecule peer, with the same tool as `peerTool` (description from its card, the
// answer sanitised and spotlit in `toModelOutput`, failures as a `PeerToolError` result).
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { a2aAgentPeer } from "@molecule-ai/agent-core/peer-tools";
import { peerTool, type PeerTool, type PeerToolOptions } from "./peer-tool.js";

/** Options of {@link a2aAgentTool}: those of `peerTool`, without `via` (the agent's own URL). */
export type A2AAgentToolOptions = Omit<PeerToolOptions, "via" | "ledger">;

/**
 * Builds an AI SDK tool that sends the model's message to a remote A2A agent. Connect it first
 * (`await agent.connect()`) so the model reads its card's description and skills. The agent gets
 * only the credentials its card asks for (never this workspace's token).
 *
 * @example
 * const agent = new RemoteA2AAgent({ url: "https://agents.example.com/a2a" });
 * await agent.connect();
 * await generateText({ model, tools: { weather: a2aAgentTool(agent) }, prompt });
 */
export function a2aAgentTool(agent: RemoteA2AAgent, options: A2AAgentToolOptions = {}): PeerTool {
  const { client, peer } = a2aAgentPeer(agent);
  return peerTool(client, peer, options);
}
