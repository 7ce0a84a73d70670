// One exchange with a peer kept as plain data: what a graph node checkpoints between turns of a
// multi-turn (A2A `input-required`) conversation, and the ids that continue it.
import { sanitizePeerText } from "../a2a/index.js";
import type { PeerCallOptions, PeerCallResult, PlatformClient } from "../platform/index.js";

/** The serialisable, model-safe part of a peer's answer. */
export interface PeerStep {
  status: PeerCallResult["status"];
  /** The peer's text, sanitised; for `queued`, a note that the answer comes later. */
  text: string;
  /** Send these back to continue the same A2A conversation and task. */
  contextId?: string;
  taskId?: string;
}

/** Calls a peer and keeps its answer as a {@link PeerStep}; failures reject as `callPeer`'s do. */
export async function callPeerStep(
  client: Pick<PlatformClient, "callPeer">,
  peer: { id: string; name: string },
  text: string,
  options: PeerCallOptions = {},
): Promise<PeerStep> {
  const result = await client.callPeer(peer.id, text, options);
  if (result.status === "queued") {
    return {
      status: "queued",
      text: `The message to ${peer.name} is queued; its answer will arrive later.`,
    };
  }
  return {
    status: result.status,
    text: sanitizePeerText(result.text),
    ...stepIds(result),
  };
}

/** The ids that continue a step's A2A conversation and task. */
export function stepIds(step: PeerStep): { contextId?: string; taskId?: string } {
  const { contextId, taskId } = step;
  return { ...(contextId ? { contextId } : {}), ...(taskId ? { taskId } : {}) };
}
