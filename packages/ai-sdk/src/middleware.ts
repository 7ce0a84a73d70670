import { sanitizePeerText } from "@molecule-ai/agent-core";
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
      const value = sanitizeJson(output.value);
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

/** Sanitises every string in a JSON value; returns the same reference when nothing changed. */
export function sanitizeJson<T>(value: T, depth = 0): T {
  if (typeof value === "string") {
    const clean = sanitizePeerText(value);
    return (clean === value ? value : clean) as T;
  }
  if (value === null || typeof value !== "object") return value;
  // Deeper than any sane tool result: its strings would reach the model unsanitised, so drop it.
  if (depth > 64) return "[omitted: nested too deep]" as T;
  if (Array.isArray(value)) {
    let touched = false;
    const next = value.map((item) => {
      const clean = sanitizeJson(item, depth + 1);
      if (clean !== item) touched = true;
      return clean;
    });
    return (touched ? next : value) as T;
  }
  let touched = false;
  const next: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const clean = sanitizeJson(item, depth + 1);
    if (clean !== item) touched = true;
    next[key] = clean;
  }
  return (touched ? next : value) as T;
}
