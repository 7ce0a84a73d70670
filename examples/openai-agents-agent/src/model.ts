// A deterministic stand-in for an LLM behind the OpenAI Agents SDK's `Model` interface, so the
// example runs without an API key. Not an LLM: after tool results it answers with what they said;
// when the question names a peer whose tool it was given, it calls that tool; else it says so.
import { peerTextOf } from "@example/shared";
import { Usage } from "@openai/agents";
import type { AgentInputItem, Model, ModelRequest, ModelResponse } from "@openai/agents";
import { assistantMessage, functionCall } from "@openai/agents/testing";

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((p: { text?: string }) => p.text ?? "").join("")
      : "";

/** See the file comment. */
export class DemoAgentsModel implements Model {
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const items: AgentInputItem[] =
      typeof request.input === "string"
        ? [{ role: "user", content: request.input }]
        : request.input;
    const lastUser = items.findLastIndex((i) => "role" in i && i.role === "user");
    const question = textOf((items[lastUser] as { content?: unknown } | undefined)?.content);
    const calls = new Map<string, string>();
    const answers: string[] = [];
    for (const item of items.slice(lastUser + 1)) {
      if (item.type === "function_call") calls.set(item.callId, item.name);
      if (item.type === "function_call_result") {
        const peer = (calls.get(item.callId) ?? "").replace(/^call_/, "").replaceAll("_", " ");
        const output = typeof item.output === "string" ? item.output : textOf([item.output]);
        answers.push(`According to the ${peer}: ${peerTextOf(output)}`);
      }
    }
    const output =
      answers.length > 0 ? [assistantMessage(answers.join("\n"))] : this.#ask(request, question);
    return { usage: new Usage(), output };
  }

  #ask(request: ModelRequest, question: string): ModelResponse["output"] {
    const words = `_${question.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_`;
    const peers = request.tools.flatMap((t) =>
      t.type === "function" && t.name.startsWith("call_") ? [t.name] : [],
    );
    const named = peers.filter((n) => words.includes(`_${n.slice("call_".length)}_`));
    if (named.length > 0) {
      return named.map((name, i) => functionCall(name, { message: question }, { callId: `c${i}` }));
    }
    return [assistantMessage(`I am a demo model: name one of my peers (${peers.join(", ")}).`)];
  }

  // oxlint-disable-next-line require-yield -- the demo answers whole; the handler does not stream
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("the demo model does not stream");
  }
}
