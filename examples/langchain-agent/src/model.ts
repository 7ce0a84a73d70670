// A deterministic stand-in for an LLM, so the example runs without an API key.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { peerTextOf } from "@example/shared";

/** How the example labels this model in its output. */
export const DEMO_MODEL_LABEL = "deterministic demo model (no LLM configured)";

/**
 * A small deterministic chat model implementing LangChain's `BaseChatModel` with tool calling.
 * It is not an LLM; it follows three rules:
 *
 * 1. after tool results, it answers with what the tools returned;
 * 2. when the user's message names a peer whose tool is bound (`call_archivist` for "archivist"),
 *    it calls that tool with the message;
 * 3. otherwise it answers directly, listing the peers it could ask.
 */
export class DemoChatModel extends BaseChatModel {
  /** Names of the bound tools. */
  readonly toolNames: readonly string[];

  constructor(toolNames: readonly string[] = []) {
    super({});
    this.toolNames = toolNames;
  }

  _llmType(): string {
    return "molecule-demo";
  }

  override bindTools(tools: BindToolsInput[]): DemoChatModel {
    return new DemoChatModel([...this.toolNames, ...tools.map(toolName)]);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.respond(messages);
    return { generations: [{ text: message.text, message }] };
  }

  /** The model's whole "reasoning". */
  respond(messages: BaseMessage[]): AIMessage {
    const lastHuman = messages.findLastIndex((m) => HumanMessage.isInstance(m));
    const question = messages[lastHuman]?.text ?? "";
    const results = messages.slice(lastHuman + 1).filter((m) => ToolMessage.isInstance(m));
    if (results.length > 0) {
      return new AIMessage(
        results
          .map((r) => `According to the ${peerOf(r.name ?? "a peer")}: ${peerTextOf(r.text)}`)
          .join("\n"),
      );
    }
    const words = `_${question.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_`;
    const peers = this.toolNames.filter((n) => n.startsWith("call_"));
    const named = peers.filter((n) => words.includes(`_${n.slice("call_".length)}_`));
    if (named.length > 0) {
      return new AIMessage({
        content: "",
        tool_calls: named.map((name, i) => ({
          name,
          args: { message: question },
          id: `demo_${messages.length}_${i}`,
          type: "tool_call" as const,
        })),
      });
    }
    const known = peers.length > 0 ? peers.map(peerOf).join(", ") : "none yet";
    return new AIMessage(
      `I am a demo model, not an LLM: name one of my peers (${known}) and I will ask it.`,
    );
  }
}

function toolName(tool: BindToolsInput): string {
  const t = tool as { name?: unknown; function?: { name?: unknown } };
  return String(t.name ?? t.function?.name ?? "");
}

/** `call_fact_checker` -> `fact checker`. */
function peerOf(tool: string): string {
  return tool.replace(/^call_/, "").replaceAll("_", " ");
}
