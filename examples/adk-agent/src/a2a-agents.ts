// Any A2A agent by URL as a tool of the ADK agent: an ADK `FunctionTool` with core's peer-tool
// name, description, input schema and the text the model reads (the agent's answer sanitised and
// spotlit, or a peer-side failure's note), as a Molecule peer's tool has.
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import {
  a2aAgentPeer,
  peerToolDescription,
  peerToolName,
  runPeerTool,
} from "@molecule-ai/agent-core/peer-tools";
import { peerToolInputSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
import { FunctionTool } from "@google/adk";

/** One `FunctionTool` per agent (connect each first, so its card names and describes the tool). */
export function a2aAgentTools(agents: readonly RemoteA2AAgent[] = []): FunctionTool[] {
  return agents.map((agent) => {
    const { client, peer } = a2aAgentPeer(agent);
    return new FunctionTool({
      name: peerToolName(peer),
      description: peerToolDescription(peer),
      parameters: peerToolInputSchema,
      execute: async (input) => (await runPeerTool(client, peer, input)).text,
    });
  });
}
