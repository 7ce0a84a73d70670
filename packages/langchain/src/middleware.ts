// Subpath `@molecule-ai/langchain/middleware`: the only entry that imports `langchain`.
import { moleculeToolKind, sanitizeTextContent } from "@molecule-ai/agent-core/peer-tools";
import { ToolMessage } from "@langchain/core/messages";
import { createMiddleware } from "langchain";
import type { AgentMiddleware } from "langchain";

/** Options of {@link peerOutputSanitizer}. */
export interface PeerOutputSanitizerOptions {
  /**
   * Which tools to sanitise, by name or predicate. Default: every tool this package did not
   * create (its own tools already sanitise), e.g. MCP tools or your own wrappers around peers.
   */
  tools?: readonly string[] | ((name: string) => boolean);
}

/**
 * Agent middleware (for `createAgent({ middleware })`) that strips the OFFSEC-003 wrapper and
 * neutralises spoofed peer markers in the results of tools this package did not create, before
 * the model sees them. Text content and text blocks are sanitised; `Command` results pass through.
 *
 * @param options - Which tools to cover (default: all but this package's own).
 */
export function peerOutputSanitizer(options: PeerOutputSanitizerOptions = {}): AgentMiddleware {
  const { tools } = options;
  const covers = (name: string, tool: unknown): boolean => {
    if (typeof tools === "function") return tools(name);
    if (tools) return tools.includes(name);
    return moleculeToolKind(tool) === undefined;
  };
  return createMiddleware({
    name: "MoleculePeerOutputSanitizer",
    wrapToolCall: async (request, handler) => {
      const result = await handler(request);
      if (!ToolMessage.isInstance(result) || !covers(request.toolCall.name, request.tool))
        return result;
      const content = sanitizeTextContent(result.content);
      if (content === result.content) return result;
      return new ToolMessage({
        content,
        tool_call_id: result.tool_call_id,
        ...(result.id === undefined ? {} : { id: result.id }),
        ...(result.name === undefined ? {} : { name: result.name }),
        ...(result.status === undefined ? {} : { status: result.status }),
        ...(result.artifact === undefined ? {} : { artifact: result.artifact }),
        ...(result.metadata === undefined ? {} : { metadata: result.metadata }),
        additional_kwargs: result.additional_kwargs,
        response_metadata: result.response_metadata,
      });
    },
  });
}
