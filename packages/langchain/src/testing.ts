// @molecule-ai/langchain/testing: a deterministic chat model and a local platform for your own
// offline tests. For scripted answers and tool calls, use LangChain's own `fakeModel()`
// (`@langchain/core/testing`).
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage } from "@langchain/core/messages";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

export { startTestPlatform } from "@molecule-ai/agent-core/testing";
export type {
  TestPlatform,
  TestPlatformOptions,
  TestWorkspace,
  TestWorkspaceEnv,
} from "@molecule-ai/agent-core/testing";

/** Answers every call with `${prefix}${last human text}`, with no network; tools are ignored. */
class EchoChatModel extends BaseChatModel {
  constructor(private readonly prefix: string) {
    super({});
  }

  _llmType(): string {
    return "molecule-echo";
  }

  /** Tools change nothing: returns the same model. */
  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const human = messages.findLast((m) => m.getType() === "human");
    const message = new AIMessage(`${this.prefix}${human?.text ?? ""}`);
    return { generations: [{ text: message.text, message }] };
  }
}

/**
 * A chat model that answers `${prefix}${last human text}` (default prefix `"echo: "`) to every
 * call, for as many calls as your test makes. Works with `createAgent`.
 */
export function echoChatModel(options: { prefix?: string } = {}): BaseChatModel {
  return new EchoChatModel(options.prefix ?? "echo: ");
}
