// Any A2A agent by URL as a peer tool: a `RemoteA2AAgent` seen as the one peer of a `callPeer`
// client, so every adapter builds its tool for it with the code of a Molecule peer's tool (the
// same description, result text, spotlight, artifact and `onError` policy: outcome.ts).
import type { RemoteA2AAgent } from "../a2a/index.js";
import type { PeerCallOptions, PeerCallResult } from "../platform/index.js";
import { PeerToolConfigError } from "./errors.js";
import type { PeerToolOptions } from "./peer-tool-options.js";
import type { PeerCallClient, PeerLike } from "./peer-tool-types.js";

/**
 * Options of a tool that calls a remote A2A agent: those of a peer tool, without `via` (the agent
 * is always called at its own URL). `timeoutMs` is each call's deadline (default the agent's).
 */
export type A2AAgentToolOptions = Omit<PeerToolOptions, "via">;

/**
 * A `RemoteA2AAgent` as a peer tool's client and peer: the peer's id is the agent's origin, its
 * name and agent card the card's once connected (`await agent.connect()` before building the tool
 * gives the model the card's description and skills). `callPeer` sends with `agent.send`; the
 * answer is returned as a `PeerCallResult`, for the peer tools' result text (sanitised, spotlit).
 */
export function a2aAgentPeer(agent: RemoteA2AAgent): { client: PeerCallClient; peer: PeerLike } {
  if (typeof agent?.send !== "function" || typeof agent.origin !== "string") {
    throw new PeerToolConfigError(
      "a2aAgentTool: `agent` must be a RemoteA2AAgent (new RemoteA2AAgent({ url }) from @molecule-ai/agent-core/a2a).",
    );
  }
  const peer: PeerLike = { id: agent.origin, name: agent.name, agentCard: agent.card ?? null };
  const callPeer = async (
    _peerId: string,
    message: Parameters<RemoteA2AAgent["send"]>[0],
    options: PeerCallOptions = {},
  ): Promise<PeerCallResult> => {
    const r = await agent.send(message, {
      signal: options.signal,
      contextId: options.contextId,
      taskId: options.taskId,
      messageId: options.messageId,
      metadata: options.metadata,
      timeoutMs: options.timeoutMs,
    });
    const out: PeerCallResult = {
      status: r.status,
      text: r.text,
      parts: r.parts,
      artifacts: r.artifacts,
      raw: r.raw,
      peerId: agent.origin,
      messageId: r.messageId,
      protocol: r.protocol,
    };
    if (r.contextId) out.contextId = r.contextId;
    if (r.taskId) out.taskId = r.taskId;
    return out;
  };
  return { client: { callPeer } as PeerCallClient, peer };
}
