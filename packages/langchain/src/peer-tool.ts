import { MoleculePeerError, sanitizePeerText } from "@molecule-ai/agent-core";
import type { PeerCallOptions } from "./types.js";
import type { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import type { DynamicStructuredTool, ToolRunnableConfig } from "@langchain/core/tools";
import { z } from "zod/v4";
import { describeError, handleToolFailure } from "./errors.js";
import { MOLECULE_TOOL_METADATA } from "./marker.js";
import { peerToolDescription, peerToolName } from "./naming.js";
import { clientOf } from "./source.js";
import type {
  AgentSource,
  OnPeerError,
  PeerCallClient,
  PeerLike,
  PeerToolArtifact,
  PeerToolErrorArtifact,
} from "./types.js";

/** The input schema of every peer tool: a flat object (accepted by every provider). */
export const peerToolSchema: z.ZodObject<{
  message: z.ZodString;
  contextId: z.ZodOptional<z.ZodString>;
}> = z.object({
  message: z
    .string()
    .min(1)
    .describe("The task or question for the peer agent, self-contained: it sees nothing else."),
  contextId: z
    .string()
    .optional()
    .describe("Optional A2A context id to continue an earlier conversation with this peer."),
});

/** The arguments the model passes to a peer tool. */
export type PeerToolInput = z.infer<typeof peerToolSchema>;

/** What a peer tool's function returns: `[content for the model, artifact]`. */
export type PeerToolOutput = [string | ToolMessage, PeerToolArtifact | PeerToolErrorArtifact];

/** A LangChain tool that calls one peer (`content_and_artifact`). */
export type PeerTool = DynamicStructuredTool<
  typeof peerToolSchema,
  PeerToolInput,
  PeerToolInput,
  PeerToolOutput
>;

/** Options of {@link createPeerTool}. */
export interface PeerToolOptions {
  /** Tool name; default `call_<slug of the peer name>` (see {@link loadPeerTools} for collisions). */
  name?: string;
  /** Tool description; default built from the peer's name, role and agent card. */
  description?: string;
  /**
   * What happens when the peer fails (error status, unreachable, timeout, unknown peer, failed
   * task, rate limit): `"return"` (default) gives the model an error `ToolMessage` and the run
   * continues; `"throw"` rethrows; a function returns the error text for the model. Auth,
   * configuration and abort errors always throw.
   */
  onError?: OnPeerError;
  /** Per-call timeout in milliseconds (the run's `signal` also cancels the call). */
  timeoutMs?: number;
  /** Route through the platform proxy (default) or call the peer's URL directly. */
  via?: "proxy" | "direct";
  /** Extra fields for every call (metadata, a fixed contextId...). */
  callOptions?: Omit<PeerCallOptions, "signal" | "timeoutMs" | "via">;
  /** Extra tool metadata (merged with the package's own marker). */
  metadata?: Record<string, unknown>;
}

function validatePeer(peer: PeerLike): void {
  if (typeof peer?.id !== "string" || peer.id.length === 0) {
    throw new TypeError(
      "createPeerTool: `peer.id` must be a non-empty string; pass a peer from client.listPeers().",
    );
  }
  if (typeof peer.name !== "string") {
    throw new TypeError("createPeerTool: `peer.name` must be a string (the peer's display name).");
  }
}

function validateName(name: string): void {
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    throw new TypeError(
      `createPeerTool: tool name "${name}" is invalid; use 1-64 letters, digits, "_" or "-".`,
    );
  }
}

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
  validatePeer(peer);
  const caller = clientOf<"callPeer">(client);
  const name = options.name ?? peerToolName(peer);
  validateName(name);
  const onError = options.onError ?? "return";
  const ref = { id: peer.id, name: peer.name };

  const run = async (input: PeerToolInput, config: ToolRunnableConfig): Promise<PeerToolOutput> => {
    const callOptions: PeerCallOptions = { ...options.callOptions };
    if (config?.signal) callOptions.signal = config.signal;
    if (options.timeoutMs !== undefined) callOptions.timeoutMs = options.timeoutMs;
    if (options.via !== undefined) callOptions.via = options.via;
    if (input.contextId !== undefined) callOptions.contextId = input.contextId;
    let result;
    try {
      result = await caller.callPeer(peer.id, input.message, callOptions);
    } catch (error) {
      const artifact: PeerToolErrorArtifact = { peer: ref, error: describeError(error) };
      return handleToolFailure(error, { onError, config, toolName: name, peer: ref, artifact });
    }
    if (result.status === "queued") {
      const content =
        result.deliveryMode === "poll"
          ? `Peer "${sanitizePeerText(peer.name)}" reads its messages by polling: the message was ` +
            "delivered to its inbox (it is not busy) and its answer will arrive later as an " +
            "inbound answer, not as this tool's result."
          : `Peer "${sanitizePeerText(peer.name)}" is busy: the message was queued` +
            `${result.queueDepth === undefined ? "" : ` (position ${result.queueDepth})`}` +
            " and will be delivered when it has capacity.";
      return [content, { peer: ref, result }];
    }
    const text = sanitizePeerText(result.text);
    if (result.status === "failed") {
      const error = new MoleculePeerError(
        `the peer reported a failed task${text ? `: ${text}` : ""}`,
        { peerId: peer.id, code: "peer_task_failed" },
      );
      const artifact: PeerToolErrorArtifact = { peer: ref, error: describeError(error), result };
      return handleToolFailure(error, {
        onError,
        config,
        toolName: name,
        peer: ref,
        artifact,
        peerSide: true,
      });
    }
    if (text === "" && result.status === "working") {
      return [
        `Peer "${sanitizePeerText(peer.name)}" accepted the task and is still working on it.`,
        { peer: ref, result },
      ];
    }
    return [text, { peer: ref, result }];
  };

  return tool(run, {
    name,
    description: options.description ?? peerToolDescription(peer),
    schema: peerToolSchema,
    responseFormat: "content_and_artifact",
    metadata: {
      ...options.metadata,
      [MOLECULE_TOOL_METADATA]: { kind: "peer", peerId: peer.id },
    },
  }) as PeerTool;
}
