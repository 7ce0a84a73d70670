// The span of one peer tool's run (a tool an LLM framework calls): GenAI `execute_tool`, the parent
// of the peer call it makes (`invoke_agent`).
import { GEN_AI, SPAN, inSpan } from "./spans.js";

/** A tool as its span names it. */
export interface TracedTool {
  /** The tool's name as the model sees it. */
  name: string;
  /** The id of the model's call of the tool, when the framework gives one. */
  callId?: string | undefined;
}

/** Runs `fn` (a tool's step) in a `molecule.tool` span (internal). */
export async function traceTool<T>(tool: TracedTool, fn: () => Promise<T>): Promise<T> {
  return await inSpan(
    SPAN.tool,
    "internal",
    {
      [GEN_AI.operation]: "execute_tool",
      [GEN_AI.toolName]: tool.name,
      [GEN_AI.toolType]: "function",
      [GEN_AI.toolCallId]: tool.callId,
    },
    async () => await fn(),
  );
}
