// Any A2A agent by URL as an OpenAI Agents SDK function tool: a `RemoteA2AAgent`
// (`@molecule-ai/agent-core/a2a`) called like a Molecule peer, with the same tool as a peer's in
// `peerTools` (description from its card, the answer sanitised and spotlit, the `onError` policy).
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import {
  a2aAgentPeer,
  assertToolName,
  PEER_TOOL_INPUT_JSON_SCHEMA,
  peerToolDescription,
  peerToolName,
  peerToolStep,
  type A2AAgentToolOptions,
} from "@molecule-ai/agent-core/peer-tools";
import { peerToolInputSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
import { moleculeTool, type MoleculeFunctionTool } from "./peer-tools.js";

export type { A2AAgentToolOptions };

/**
 * Turns a remote A2A agent into an OpenAI Agents SDK function tool (`call_<slug of its card's
 * name>`). Connect it first (`await agent.connect()`) so the model reads its card's description
 * and skills. The agent gets only the credentials its card asks for (never this workspace's token).
 *
 * @example
 * const remote = new RemoteA2AAgent({ url: "https://agents.example.com/a2a" });
 * await remote.connect();
 * const agent = new Agent({ name: "Writer", instructions: "...", tools: [a2aAgentTool(remote)] });
 */
export function a2aAgentTool(
  agent: RemoteA2AAgent,
  options: A2AAgentToolOptions = {},
): MoleculeFunctionTool {
  const { client, peer } = a2aAgentPeer(agent);
  const name = options.name ?? peerToolName(peer);
  assertToolName(name);
  const { timeoutMs, callOptions } = options;
  return moleculeTool(
    {
      name,
      description: options.description ?? peerToolDescription(peer),
      parameters: PEER_TOOL_INPUT_JSON_SCHEMA as never,
      schema: peerToolInputSchema,
      onError: options.onError ?? "return",
    },
    (input, signal, toolCallId) =>
      peerToolStep(client, { id: peer.id, name: peer.name }, input, {
        timeoutMs,
        callOptions,
        signal,
        toolName: name,
        toolCallId,
      }),
  );
}
