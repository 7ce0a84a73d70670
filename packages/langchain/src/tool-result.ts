// How this package's tools answer: a `content_and_artifact` LangChain tool whose failures become
// an error ToolMessage or a throw. Which failures reach the model is decided once, in core.
import {
  failedStepAnswer,
  MOLECULE_TOOL_METADATA,
  type OnPeerError,
  type PeerToolErrorArtifact,
  type ToolStep,
} from "@molecule-ai/agent-core/peer-tools";
import { ToolMessage } from "@langchain/core/messages";
import { tool, type ToolRunnableConfig } from "@langchain/core/tools";
import type { z } from "zod/v4";

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
    const { content, artifact } = failedStepAnswer(step, onError, config?.signal);
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
