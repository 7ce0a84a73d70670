// At start, an agent whose model needs an OpenAI key that is set nowhere fails with one line naming
// the variable, instead of "connected" and then every message dead-lettered with the provider's
// error. The check asks the SDK's own default model provider for the agent's model, as `run` does
// (`Runner`'s provider, `@openai/agents` sets `OpenAIProvider` as the default): building its client
// reads the key from `setDefaultOpenAIKey`, `setDefaultOpenAIClient` or `OPENAI_API_KEY`, and throws
// when there is none. No request is made. A model instance on the agent, or a `run` of the user's
// own (a `Runner` with its provider), is not checked: it cannot be told from here.
import { MoleculeError } from "@molecule-ai/agent-core";
import { Runner } from "@openai/agents";

/**
 * Rejects with `MoleculeError` `model_key_missing` when the default model provider cannot build
 * `agent`'s model for want of an API key; any other failure of the provider is left to the run.
 */
export async function checkModelKey(agent: { model?: unknown }, caller: string): Promise<void> {
  const model = agent.model;
  if (model !== undefined && typeof model !== "string") return;
  try {
    await new Runner().config.modelProvider.getModel(model || undefined);
  } catch (error) {
    if (!/API[_ ]?KEY/i.test(String((error as Error)?.message))) return;
    throw new MoleculeError(
      `${caller}: the agent's model has no OpenAI API key: set OPENAI_API_KEY (or call setDefaultOpenAIKey / setDefaultOpenAIClient before starting), then start again`,
      { code: "model_key_missing", retryable: false },
    );
  }
}
