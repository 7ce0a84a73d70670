// A deterministic stand-in for an LLM behind ADK's `BaseLlm`, so the example runs without a Gemini
// key. Not an LLM: after a function response it answers with what the tool returned; "refund order
// <id>" calls the `refund` tool (which a person confirms); when the question names a peer whose
// tool it was given, it calls that tool; else it says so. Asked to stream (ADK's
// `StreamingMode.SSE`), it sends a text answer word by word as partial responses, then whole.
import { peerTextOf } from "@example/shared";
import { BaseLlm } from "@google/adk";
import type { BaseLlmConnection, LlmRequest, LlmResponse } from "@google/adk";

type Part = NonNullable<NonNullable<LlmResponse["content"]>["parts"]>[number];

const textOf = (parts: Part[] | undefined): string =>
  (parts ?? []).map((p) => p.text ?? "").join("");

/** See the file comment. */
export class DemoLlm extends BaseLlm {
  constructor() {
    super({ model: "molecule-demo" });
  }

  async *generateContentAsync(
    request: LlmRequest,
    stream = false,
  ): AsyncGenerator<LlmResponse, void> {
    const parts = this.#respond(request);
    const text = parts.every((p) => p.text !== undefined) ? textOf(parts) : undefined;
    if (stream && text) {
      for (const word of text.split(/(?<= )/)) {
        yield { content: { role: "model", parts: [{ text: word }] }, partial: true };
      }
    }
    yield { content: { role: "model", parts } };
  }

  /** The parts of one answer. */
  #respond(request: LlmRequest): Part[] {
    const contents = request.contents;
    const lastUser = contents.findLastIndex(
      (c) => c.role === "user" && (c.parts ?? []).some((p) => p.text !== undefined),
    );
    const question = textOf(contents[lastUser]?.parts);
    const responses = contents
      .slice(lastUser + 1)
      .flatMap((c) => c.parts ?? [])
      .flatMap((p) => (p.functionResponse ? [p.functionResponse] : []));
    if (responses.length > 0) {
      const text = responses
        .map((r) => {
          const out = (r.response as { result?: unknown } | undefined)?.result;
          if (!(r.name ?? "").startsWith("call_"))
            return `${r.name}: ${JSON.stringify(r.response)}`;
          const peer = (r.name ?? "").replace(/^call_/, "").replaceAll("_", " ");
          return `According to the ${peer}: ${peerTextOf(String(out ?? ""))}`;
        })
        .join("\n");
      return [{ text }];
    }
    const refund = /refund order ([\w-]+)/i.exec(question);
    if (refund && "refund" in request.toolsDict) {
      const call = { id: `refund-${refund[1]}`, name: "refund", args: { order: refund[1] } };
      return [{ functionCall: call }];
    }
    const words = `_${question.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_`;
    const peers = Object.keys(request.toolsDict).filter((n) => n.startsWith("call_"));
    const named = peers.filter((n) => words.includes(`_${n.slice("call_".length)}_`));
    return named.length > 0
      ? named.map((name, i) => ({
          functionCall: { id: `c${i}`, name, args: { message: question } },
        }))
      : [{ text: `I am a demo model: name one of my peers (${peers.join(", ")}).` }];
  }

  connect(): Promise<BaseLlmConnection> {
    throw new Error("the demo model has no live connection");
  }
}
