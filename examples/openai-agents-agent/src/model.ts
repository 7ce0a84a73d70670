// A deterministic stand-in for an LLM behind the OpenAI Agents SDK's `Model` interface, so the
// example runs without an API key. Not an LLM: after tool results it answers with what they said;
// "refund order <id>" calls the `refund` tool (which a person approves); when the question names a
// peer whose tool it was given, it calls that tool; else it says so. Streamed, it writes its
// answer a word at a time.
import { peerTextOf } from "@example/shared";
import { Usage } from "@openai/agents";
import type {
  AgentInputItem,
  Model,
  ModelRequest,
  ModelResponse,
  ResponseStreamEvent,
} from "@openai/agents";
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
        const name = calls.get(item.callId) ?? "";
        const output = typeof item.output === "string" ? item.output : textOf([item.output]);
        if (!name.startsWith("call_")) answers.push(`${name}: ${output}`);
        else
          answers.push(
            `According to the ${name.slice(5).replaceAll("_", " ")}: ${peerTextOf(output)}`,
          );
      }
    }
    const output =
      answers.length > 0 ? [assistantMessage(answers.join("\n"))] : this.#ask(request, question);
    return { usage: new Usage(), output };
  }

  #ask(request: ModelRequest, question: string): ModelResponse["output"] {
    const refund = /refund order ([\w-]+)/i.exec(question);
    if (refund && request.tools.some((t) => t.type === "function" && t.name === "refund"))
      return [functionCall("refund", { order: refund[1] }, { callId: `refund-${refund[1]}` })];
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

  /** The same answer as {@link getResponse}, its text a word at a time. */
  async *getStreamedResponse(request: ModelRequest): AsyncIterable<ResponseStreamEvent> {
    const { output } = await this.getResponse(request);
    yield { type: "response_started" };
    for (const item of output) {
      if (item.type !== "message" || item.role !== "assistant") continue;
      for (const part of item.content)
        if (part.type === "output_text")
          for (const word of part.text.match(/\S+\s*/g) ?? [])
            yield { type: "output_text_delta", delta: word };
    }
    const usage = { requests: 1, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    yield { type: "response_done", response: { id: "demo", usage, output: output as never } };
  }
}
