// @molecule-ai/langchain/testing: deterministic chat models and a local platform for your own
// offline tests. The models stream their text word by word and call tools when scripted to.
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import type { BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { MoleculeOptionError } from "@molecule-ai/agent-core";
import type { ChatResult } from "@langchain/core/outputs";

export { startTestPlatform } from "@molecule-ai/agent-core/testing";
export type {
  TestPlatform,
  TestPlatformOptions,
  TestWorkspace,
  TestWorkspaceEnv,
} from "@molecule-ai/agent-core/testing";

/** One answer of a {@link ScriptedChatModel}: text, or tool calls. */
export type ChatStep = string | { toolCalls: { name: string; args: Record<string, unknown> }[] };

/**
 * A chat model that answers from a script, with no network: each call takes the next step (the
 * last one repeats) or asks `next(messages)`. Works with `createAgent` (`bindTools` keeps the
 * script) and streams text word by word. `calls` records the messages of every call.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly calls: BaseMessage[][];
  readonly #next: (messages: BaseMessage[]) => ChatStep;

  constructor(script: readonly ChatStep[] | ((messages: BaseMessage[]) => ChatStep)) {
    super({});
    if (Array.isArray(script) && script.length === 0) {
      throw new MoleculeOptionError("script", "ScriptedChatModel: pass at least one step.");
    }
    const steps = script as readonly ChatStep[];
    this.#next =
      typeof script === "function"
        ? script
        : () => steps[Math.min(this.calls.length - 1, steps.length - 1)]!;
    this.calls = [];
  }

  _llmType(): string {
    return "molecule-scripted";
  }

  /** Tools change nothing: the script decides. Returns the same model (same script, same calls). */
  override bindTools(): this {
    return this;
  }

  #answer(messages: BaseMessage[]): AIMessage {
    this.calls.push(messages);
    const step = this.#next(messages);
    if (typeof step === "string") return new AIMessage(step);
    return new AIMessage({
      content: "",
      tool_calls: step.toolCalls.map((c, i) => ({
        ...c,
        id: `call_${this.calls.length}_${i}`,
        type: "tool_call" as const,
      })),
    });
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.#answer(messages);
    return { generations: [{ text: message.text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const message = this.#answer(messages);
    if (message.tool_calls?.length) {
      yield new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({
          content: "",
          tool_call_chunks: message.tool_calls.map((c, index) => ({
            name: c.name,
            args: JSON.stringify(c.args),
            id: c.id,
            index,
            type: "tool_call_chunk" as const,
          })),
        }),
      });
      return;
    }
    for (const word of message.text.split(/(?<= )/)) {
      const chunk = new ChatGenerationChunk({ text: word, message: new AIMessageChunk(word) });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, {
        chunk,
      });
    }
  }
}

/** Text of the last human message. */
function lastHumanText(messages: BaseMessage[]): string {
  const human = messages.findLast((m) => m.getType() === "human");
  return human?.text ?? "";
}

/** A model that answers `${prefix}${last human text}` (default prefix `"echo: "`). */
export function echoChatModel(options: { prefix?: string } = {}): ScriptedChatModel {
  const prefix = options.prefix ?? "echo: ";
  return new ScriptedChatModel((messages) => `${prefix}${lastHumanText(messages)}`);
}
