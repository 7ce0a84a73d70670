import { isMoleculeError, sanitizePeerText } from "@molecule-ai/agent-core";
import { ToolMessage } from "@langchain/core/messages";
import type { ToolRunnableConfig } from "@langchain/core/tools";
import type { OnPeerError, PeerToolErrorArtifact } from "./types.js";

/** Errors the model can act on: the peer failed, timed out, is unknown, or the platform is busy. */
const PEER_SIDE = new Set([
  "MoleculePeerError",
  "MoleculeTimeoutError",
  "MoleculeNotFoundError",
  "MoleculeRateLimitError",
  "MoleculeReplyTimeoutError",
]);

/**
 * Whether a failure belongs to the peer (returned to the model under `onError: "return"`) rather
 * than to this workspace's setup (auth, removed workspace, bad configuration, bugs, aborts), which
 * always throws. Structural: works across copies of the core package.
 */
export function isPeerSideError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return false;
  if (!isMoleculeError(error)) return false;
  if (PEER_SIDE.has(error.name)) return true;
  if (error.name === "MoleculeAuthError" || error.name === "WorkspaceRemovedError") return false;
  return error.retryable || (error.status !== undefined && error.status >= 500);
}

/** The error fields kept in the artifact (no body: it may be large and is peer-controlled). */
export function describeError(error: unknown): PeerToolErrorArtifact["error"] {
  if (isMoleculeError(error)) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      ...(error.status === undefined ? {} : { status: error.status }),
      retryable: error.retryable,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/**
 * Turns a failure into what the tool returns, or rethrows it. Peer-side failures under
 * `onError: "return"` (or a function) become an error `ToolMessage` when the tool runs for a tool
 * call, and plain error text when it is invoked directly.
 */
export function handleToolFailure(
  error: unknown,
  options: {
    onError: OnPeerError;
    config: ToolRunnableConfig | undefined;
    toolName: string;
    peer: { id: string; name: string };
    artifact: PeerToolErrorArtifact;
    peerSide?: boolean;
  },
): [string | ToolMessage, PeerToolErrorArtifact] {
  const { onError, config, peer, artifact } = options;
  const peerSide = options.peerSide ?? isPeerSideError(error, config?.signal);
  if (onError === "throw" || !peerSide) throw error;
  const content =
    typeof onError === "function"
      ? onError(error, { peer })
      : `Error: the call to peer "${sanitizePeerText(peer.name)}" failed: ${sanitizePeerText(
          artifact.error.message,
        )}`;
  const toolCallId = config?.toolCall?.id;
  if (!toolCallId) return [content, artifact];
  const message = new ToolMessage({
    status: "error",
    content,
    artifact,
    tool_call_id: toolCallId,
    name: options.toolName,
  });
  return [message, artifact];
}
