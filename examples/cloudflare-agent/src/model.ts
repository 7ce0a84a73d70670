// A deterministic stand-in for an LLM (the AI SDK's `MockLanguageModelV4`), so the Worker runs
// without a key: after tool results it answers with what they said; asked to "refund order X",
// it calls the `refund` tool; when the question names a peer whose tool it was given, it calls
// that tool; asked "which turn", it counts the user messages; else it says so. It streams (text
// word by word) as well as it generates.
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
import { simulateReadableStream } from "ai";
import { MockLanguageModelV4 } from "ai/test";

const usage = {
  inputTokens: {
    total: undefined,
    noCache: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
  },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

/** One answer: the content and why it stops. */
function generate(options: LanguageModelV4CallOptions) {
  const content = respond(options);
  const calls = content.some((c) => c.type === "tool-call");
  const finishReason = { unified: calls ? "tool-calls" : "stop", raw: undefined } as const;
  return { content, finishReason, usage, warnings: [] };
}

/** See the file comment. */
export function demoModel(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    doGenerate: async (options) => generate(options),
    doStream: async (options) => {
      const { content, finishReason } = generate(options);
      const chunks = content.flatMap((part): LanguageModelV4StreamPart[] =>
        part.type === "text"
          ? [
              { type: "text-start", id: "t" },
              ...part.text.split(/(?<= )/).map((delta): LanguageModelV4StreamPart => ({
                type: "text-delta",
                id: "t",
                delta,
              })),
              { type: "text-end", id: "t" },
            ]
          : [part as LanguageModelV4StreamPart],
      );
      chunks.push({ type: "finish", finishReason, usage });
      return { stream: simulateReadableStream({ chunks }) };
    },
  });
}

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
    const said = results.map((r) => {
      const out =
        r.output.type === "text" || r.output.type === "error-text"
          ? r.output.value
          : r.output.type === "execution-denied"
            ? `not run (${r.output.reason ?? "denied"})`
            : "";
      return `According to ${r.toolName}: ${out}`;
    });
    return [{ type: "text", text: said.join("\n") }];
  }
  // "Which turn is this?": how many user messages the conversation has (its history is kept).
  if (/which turn/i.test(question)) {
    return [{ type: "text", text: `turn ${prompt.filter((m) => m.role === "user").length}` }];
  }
  const refund = /refund order (\S+)/i.exec(question);
  if (refund && tools.some((t) => t.name === "refund")) {
    const order = refund[1]!.replace(/[.,;!?]+$/, "");
    const input = JSON.stringify({ order });
    return [{ type: "tool-call", toolCallId: `r${prompt.length}`, toolName: "refund", input }];
  }
  const words = `_${question.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_`;
  const named = tools.flatMap((t) =>
    t.type === "function" && t.name.startsWith("call_") && words.includes(`_${t.name.slice(5)}_`)
      ? [t.name]
      : [],
  );
  if (named.length === 0) return [{ type: "text", text: "I am a demo model: name a peer." }];
  return named.map((toolName, i) => ({
    type: "tool-call",
    toolCallId: `c${prompt.length}_${i}`,
    toolName,
    input: JSON.stringify({ message: question }),
  }));
}
