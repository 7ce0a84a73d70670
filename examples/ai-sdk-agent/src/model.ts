// A deterministic stand-in for an LLM, so the example runs without an API key.
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4ToolResultOutput,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { peerTextOf } from "@example/shared";

/** How the example labels this model in its output. */
export const DEMO_MODEL_LABEL = "deterministic demo model (no LLM configured)";

const usage: LanguageModelV4Usage = {
  inputTokens: {
    total: undefined,
    noCache: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
  },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

/**
 * A small deterministic `LanguageModelV4` (the AI SDK's provider interface) with tool calling.
 * It is not an LLM; it follows three rules:
 *
 * 1. after tool results, it answers with what the tools returned;
 * 2. when the user's message names a peer whose tool is offered (`call_fact_checker` for
 *    "fact checker"), it calls that tool with the message;
 * 3. otherwise it answers directly, listing the peers it could ask.
 */
export class DemoLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "molecule-demo";
  readonly modelId = "deterministic";
  readonly supportedUrls = {};

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const content = respond(options);
    const toolCalls = content.some((c) => c.type === "tool-call");
    return {
      content,
      finishReason: { unified: toolCalls ? "tool-calls" : "stop", raw: undefined },
      usage,
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const { content, finishReason } = await this.doGenerate(options);
    const parts: LanguageModelV4StreamPart[] = [{ type: "stream-start", warnings: [] }];
    content.forEach((c, i) => {
      if (c.type === "tool-call") parts.push(c);
      else if (c.type === "text") {
        const id = `text-${i}`;
        parts.push({ type: "text-start", id }, { type: "text-delta", id, delta: c.text });
        parts.push({ type: "text-end", id });
      }
    });
    parts.push({ type: "finish", finishReason, usage });
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    };
  }
}

/** The model's whole "reasoning". */
function respond({ prompt, tools = [] }: LanguageModelV4CallOptions): LanguageModelV4Content[] {
  const lastUser = prompt.findLastIndex((m) => m.role === "user");
  const user = prompt[lastUser];
  const question =
    user?.role === "user"
      ? user.content.map((p) => (p.type === "text" ? p.text : "")).join("")
      : "";
  const results = prompt
    .slice(lastUser + 1)
    .flatMap((m) => (m.role === "tool" ? m.content : []))
    .flatMap((p) => (p.type === "tool-result" ? [p] : []));
  if (results.length > 0) {
    const text = results
      .map((r) => `According to the ${peerOf(r.toolName)}: ${peerTextOf(outputText(r.output))}`)
      .join("\n");
    return [{ type: "text", text }];
  }
  const words = `_${question.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_`;
  const peers = tools.flatMap((t) =>
    t.type === "function" && t.name.startsWith("call_") ? [t.name] : [],
  );
  const named = peers.filter((n) => words.includes(`_${n.slice("call_".length)}_`));
  if (named.length > 0) {
    return named.map((toolName, i) => ({
      type: "tool-call",
      toolCallId: `demo_${prompt.length}_${i}`,
      toolName,
      input: JSON.stringify({ message: question }),
    }));
  }
  const known = peers.length > 0 ? peers.map(peerOf).join(", ") : "none yet";
  return [
    {
      type: "text",
      text: `I am a demo model, not an LLM: name one of my peers (${known}) and I will ask it.`,
    },
  ];
}

function outputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case "text":
    case "error-text":
      return output.value;
    case "content":
      return output.value.map((p) => (p.type === "text" ? p.text : "")).join("");
    case "execution-denied":
      return output.reason ?? "(denied)";
    default:
      return JSON.stringify(output.value);
  }
}

/** `call_fact_checker` -> `fact checker`. */
function peerOf(tool: string): string {
  return tool.replace(/^call_/, "").replaceAll("_", " ");
}
