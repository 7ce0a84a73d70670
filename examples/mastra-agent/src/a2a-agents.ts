// Any A2A agent by URL as a tool of the Mastra agent: the AI SDK adapter's `a2aAgentTool` (Mastra
// runs AI SDK tools), keyed `call_<slug of the card's name>` as a Molecule peer's tool is.
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { peerToolName } from "@molecule-ai/agent-core/peer-tools";
import { a2aAgentTool } from "@molecule-ai/ai-sdk";
import type { PeerTool } from "@molecule-ai/ai-sdk";

/** One tool per agent (connect each first, so its card names and describes the tool). */
export function a2aAgentTools(agents: readonly RemoteA2AAgent[] = []): Record<string, PeerTool> {
  return Object.fromEntries(
    agents.map((agent) => [
      peerToolName({ id: agent.origin, name: agent.name }),
      a2aAgentTool(agent),
    ]),
  );
}
