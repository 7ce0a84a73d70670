// A deterministic stand-in for an LLM (the AI SDK's `MockLanguageModelV4`), so the Worker runs
// without a key: after tool results it answers with what they said; when the question names a
// peer whose tool it was given, it calls that tool; asked "which turn", it counts the user
// messages; else it says so.
import type { LanguageModelV4CallOptions, LanguageModelV4Content } from "@ai-sdk/provider";
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

/** See the file comment. */
export function demoModel(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    doGenerate: async (options) => {
      const content = respond(options);
      const calls = content.some((c) => c.type === "tool-call");
      return {
        content,
        finishReason: { unified: calls ? "tool-calls" : "stop", raw: undefined },
        usage,
        warnings: [],
      };
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
      const out = r.output.type === "text" || r.output.type === "error-text" ? r.output.value : "";
      return `According to ${r.toolName}: ${out}`;
    });
    return [{ type: "text", text: said.join("\n") }];
  }
  // "Which turn is this?": how many user messages the conversation has (its history is kept).
  if (/which turn/i.test(question)) {
    return [{ type: "text", text: `turn ${prompt.filter((m) => m.role === "user").length}` }];
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
