import { sanitizePeerText } from "@molecule-ai/agent-core";
import { sanitizePeerJson } from "@molecule-ai/agent-core/peer-tools";
import type { LanguageModelMiddleware } from "ai";

type TransformParams = NonNullable<LanguageModelMiddleware["transformParams"]>;
type CallOptions = Parameters<TransformParams>[0]["params"];
type PromptMessage = CallOptions["prompt"][number];
type ToolResultOutput = Extract<
  Extract<PromptMessage, { role: "tool" }>["content"][number],
  { type: "tool-result" }
>["output"];

/** Options for {@link peerOutputSanitizer}. */
export interface PeerOutputSanitizerOptions {
  /**
   * Which tool results to sanitise, by tool name. Default: all of them (sanitising is idempotent,
   * so results of this package's own tools pass through unchanged).
   */
  tools?: (toolName: string) => boolean;
}

/**
 * A language-model middleware that sanitises tool results in the prompt before the model sees them:
 * OFFSEC-003 wrappers are stripped and spoofed markers neutralised (core `sanitizePeerText`) in
 * every text and string value of `tool-result` parts. Use it for peer output reaching the model
 * through tools this package did not create (an MCP tool, your own `fetch` to a peer).
 *
 * @example
 * const model = wrapLanguageModel({ model: openai("gpt-5"), middleware: peerOutputSanitizer() });
 */
export function peerOutputSanitizer(
  options: PeerOutputSanitizerOptions = {},
): LanguageModelMiddleware {
  const wanted = options.tools ?? (() => true);
  return {
    specificationVersion: "v4",
    transformParams: async ({ params }) => {
      let changed = false;
      const prompt = params.prompt.map((message): PromptMessage => {
        if (message.role !== "tool" && message.role !== "assistant") return message;
        let touched = false;
        const content = message.content.map((part) => {
          if (part.type !== "tool-result" || !wanted(part.toolName)) return part;
          const output = sanitizeOutput(part.output);
          if (output === part.output) return part;
          touched = true;
          return { ...part, output };
        });
        if (!touched) return message;
        changed = true;
        return { ...message, content } as PromptMessage;
      });
      return changed ? { ...params, prompt } : params;
    },
  };
}

/** Sanitises one tool-result output; returns the same object when nothing changed. */
function sanitizeOutput(output: ToolResultOutput): ToolResultOutput {
  switch (output.type) {
    case "text":
    case "error-text": {
      const value = sanitizePeerText(output.value);
      return value === output.value ? output : { ...output, value };
    }
    case "json":
    case "error-json": {
      const value = sanitizePeerJson(output.value);
      return value === output.value ? output : ({ ...output, value } as ToolResultOutput);
    }
    case "content": {
      let touched = false;
      const value = output.value.map((item) => {
        if (item.type !== "text") return item;
        const text = sanitizePeerText(item.text);
        if (text === item.text) return item;
        touched = true;
        return { ...item, text };
      });
      return touched ? { ...output, value } : output;
    }
    default:
      return output;
  }
}
