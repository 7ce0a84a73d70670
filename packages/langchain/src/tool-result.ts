// How this package's tools answer: a `content_and_artifact` LangChain tool whose failures become
// an error ToolMessage or a throw. Which failures reach the model is decided once, in core.
import type { PeerCallResult } from "@molecule-ai/agent-core";
import { sanitizePeerText } from "@molecule-ai/agent-core";
import { errorFields, isPeerSideError } from "@molecule-ai/agent-core/peer-tools";
import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import type { ToolRunnableConfig } from "@langchain/core/tools";
import type { z } from "zod/v4";
import { MOLECULE_TOOL_METADATA } from "./marker.js";
import type { OnPeerError, PeerToolErrorArtifact } from "./types.js";

/** A tool run's result, or its failure (with `text` when core classed it as the peer's). */
export type ToolStep<A> =
  | { ok: true; text: string; artifact: A }
  | {
      ok: false;
      error: unknown;
      peer: PeerToolErrorArtifact["peer"];
      text?: string;
      result?: PeerCallResult;
    };

/**
 * A LangChain tool running `run`, marked for the middleware with `mark`. A failure under
 * `onError: "return"` (or a function) gives the model an error `ToolMessage` for a tool call,
 * plain text when invoked directly; `"throw"` and failures that are not the peer's rethrow.
 */
export function moleculeTool<S extends z.ZodObject, A>(
  fields: {
    name: string;
    description: string;
    schema: S;
    onError: OnPeerError;
    mark: Record<string, unknown>;
    metadata?: Record<string, unknown> | undefined;
  },
  run: (input: z.infer<S>, config: ToolRunnableConfig) => Promise<ToolStep<A>>,
) {
  const { name, description, schema, onError } = fields;
  const call = async (
    input: z.infer<S>,
    config: ToolRunnableConfig,
  ): Promise<[string | ToolMessage, A | PeerToolErrorArtifact]> => {
    const step = await run(input, config);
    if (step.ok) return [step.text, step.artifact];
    const { error, peer } = step;
    if (
      onError === "throw" ||
      (step.text === undefined && !isPeerSideError(error, config?.signal))
    ) {
      throw error;
    }
    const artifact: PeerToolErrorArtifact = { peer, error: errorFields(error) };
    if (step.result) artifact.result = step.result;
    const content =
      typeof onError === "function"
        ? onError(error, { peer })
        : (step.text ?? `Error: the call to "${sanitizePeerText(peer.name)}" failed`);
    const toolCallId = config?.toolCall?.id;
    if (!toolCallId) return [content, artifact];
    const message = new ToolMessage({
      status: "error",
      content,
      artifact,
      tool_call_id: toolCallId,
      name,
    });
    return [message, artifact];
  };
  const metadata = { ...fields.metadata, [MOLECULE_TOOL_METADATA]: fields.mark };
  return tool(call, {
    name,
    description,
    schema,
    responseFormat: "content_and_artifact",
    metadata,
  });
}
