// LangChain glue for failures: the artifact's error fields and the error ToolMessage. Which
// failures reach the model is decided once, in core (`isPeerSideError`).
import { isMoleculeError, sanitizePeerText } from "@molecule-ai/agent-core";
import { isPeerSideError } from "@molecule-ai/agent-core/peer-tools";
import { ToolMessage } from "@langchain/core/messages";
import type { ToolRunnableConfig } from "@langchain/core/tools";
import type { OnPeerError, PeerCallResult, PeerToolErrorArtifact } from "./types.js";

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
 * What a tool returns for a peer-side failure: under `onError: "return"` (or a function) an
 * error `ToolMessage` when the tool runs for a tool call, plain text when invoked directly.
 * `onError: "throw"` and failures that are not the peer's rethrow `error`.
 */
export function handleToolFailure(
  error: unknown,
  options: {
    onError: OnPeerError;
    config: ToolRunnableConfig | undefined;
    toolName: string;
    peer: { id: string; name: string };
    /** What the model sees; for a failure core already classed as the peer's. */
    failure?: { text: string; result?: PeerCallResult | undefined };
  },
): [string | ToolMessage, PeerToolErrorArtifact] {
  const { onError, config, peer } = options;
  const failure = options.failure;
  if (onError === "throw" || (!failure && !isPeerSideError(error, config?.signal))) throw error;
  const artifact: PeerToolErrorArtifact = { peer, error: describeError(error) };
  if (failure?.result) artifact.result = failure.result;
  const content =
    typeof onError === "function"
      ? onError(error, { peer })
      : (failure?.text ?? `Error: the call to "${sanitizePeerText(peer.name)}" failed`);
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
