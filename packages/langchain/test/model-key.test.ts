// A createAgent() result whose chat model has no provider key is refused when the handler is
// built (before the agent connects), with one line naming the variable; a key on the model or in
// the environment passes. The signal is the model's `lc_secrets` (here a fake model's).
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { createAgent } from "langchain";
import { ConfigurableModel } from "langchain/chat_models/universal";
import { afterEach, describe, expect, it } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";

const VAR = "MOLECULE_TEST_PROVIDER_API_KEY";

/** A fake chat model declaring its key the way provider integrations do (`ChatOpenAI`'s `apiKey`). */
class KeyedFakeModel extends FakeListChatModel {
  apiKey: string | undefined;
  constructor(apiKey?: string) {
    super({ responses: ["hi"] });
    this.apiKey = apiKey ?? process.env[VAR];
  }
  override get lc_secrets(): Record<string, string> {
    return { apiKey: VAR, organization: "MOLECULE_TEST_PROVIDER_ORG" };
  }
}

afterEach(() => {
  delete process.env[VAR];
});

describe("the chat model's provider key, checked when the handler is built", () => {
  it("refuses a model without its key, naming the variable, in one line", () => {
    const agent = createAgent({ model: new KeyedFakeModel(), tools: [] });
    let error: unknown;
    try {
      createPeerMessageHandler(agent);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "model_key_missing", retryable: false });
    const message = (error as Error).message;
    expect(message).toContain(`set ${VAR}`);
    expect(message).toContain("KeyedFakeModel");
    expect(message).not.toContain("\n");
  });

  it("accepts the key given to the model, or set in the environment; ignores other secrets", () => {
    expect(() =>
      createPeerMessageHandler(createAgent({ model: new KeyedFakeModel("sk-test"), tools: [] })),
    ).not.toThrow();
    process.env[VAR] = "sk-env";
    const lazy = new KeyedFakeModel();
    lazy.apiKey = undefined; // a model that reads the variable only when it calls
    expect(() => createPeerMessageHandler(createAgent({ model: lazy, tools: [] }))).not.toThrow();
  });

  it("checks the provider model behind an initChatModel() result (a ConfigurableModel)", () => {
    // What initChatModel("openai:gpt-5") returns: a ConfigurableModel that built (and cached) the
    // provider's model before returning; the keys are on that model, not on the wrapper.
    const model = new ConfigurableModel({ defaultConfig: { model: "fake" } });
    // langchain's own cache (internal), filled as initChatModel fills it.
    const cache = Reflect.get(model, "_modelInstanceCache") as Map<string, unknown>;
    cache.set(JSON.stringify({}), new KeyedFakeModel());
    let error: unknown;
    try {
      createPeerMessageHandler(createAgent({ model, tools: [] }));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "model_key_missing", retryable: false });
    expect((error as Error).message).toContain(
      `the agent's KeyedFakeModel has no API key: set ${VAR}`,
    );
    process.env[VAR] = "sk-env";
    expect(() => createPeerMessageHandler(createAgent({ model, tools: [] }))).not.toThrow();
  });

  it("does not check a model without lc_secrets (the fake models of tests)", () => {
    const model = new FakeListChatModel({ responses: ["hi"] });
    expect(() => createPeerMessageHandler(createAgent({ model, tools: [] }))).not.toThrow();
  });
});
