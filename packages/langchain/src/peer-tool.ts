import type { ToolMessage } from "@langchain/core/messages";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import {
  assertToolName,
  peerToolDescription,
  peerToolName,
  PeerToolConfigError,
  peerToolStep,
  toolClientOf,
  type AgentSource,
  type PeerCallClient,
  type PeerLike,
  type PeerToolArtifact,
  type PeerToolErrorArtifact,
  type PeerToolInput,
  type PeerToolOptions,
} from "@molecule-ai/agent-core/peer-tools";
import { peerToolInputSchema as peerToolSchema } from "@molecule-ai/agent-core/peer-tools/schemas";
import { moleculeTool } from "./tool-result.js";

/** What a peer tool's function returns: `[content for the model, artifact]`. */
export type PeerToolOutput = [string | ToolMessage, PeerToolArtifact | PeerToolErrorArtifact];

/** A LangChain tool that calls one peer (`content_and_artifact`). */
export type PeerTool = DynamicStructuredTool<
  typeof peerToolSchema,
  PeerToolInput,
  PeerToolInput,
  PeerToolOutput
>;

/**
 * Turns one peer into a LangChain tool. The model sends `message` (and optionally `contextId`);
 * the tool calls the peer through the platform and returns the peer's text with the OFFSEC-003
 * wrapper stripped and spoofed markers neutralised. The raw call result stays in
 * `ToolMessage.artifact`, out of the model's context.
 *
 * @param client - A running `RemoteAgent` (calls await a polling peer's answer), a `PlatformClient`, or any object with its `callPeer`.
 * @param peer - The peer to call, e.g. from `client.listPeers()`.
 * @param options - Name, description, error handling, timeout, routing.
 */
export function createPeerTool(
  client: PeerCallClient | AgentSource,
  peer: PeerLike,
  options: PeerToolOptions = {},
): PeerTool {
  if (typeof peer?.id !== "string" || peer.id.length === 0 || typeof peer.name !== "string")
    throw new PeerToolConfigError(
      "createPeerTool: `peer.id` must be a non-empty string and `peer.name` a string; pass a peer from client.listPeers().",
    );
  const caller = toolClientOf<PeerCallClient>(client, ["callPeer"], "createPeerTool");
  const name = options.name ?? peerToolName(peer);
  assertToolName(name);
  const { onError = "return", metadata, timeoutMs, via, callOptions, ledger } = options;
  const ref = { id: peer.id, name: peer.name };
  const description = options.description ?? peerToolDescription(peer);
  const mark = { kind: "peer", peerId: peer.id };
  return moleculeTool(
    { name, description, schema: peerToolSchema, onError, mark, metadata },
    (input, config) =>
      peerToolStep(caller, ref, input, {
        timeoutMs,
        via,
        callOptions,
        ledger,
        signal: config?.signal,
      }),
  ) as PeerTool;
}
