// An agent whose model is an AI Gateway model id ("openai/gpt-5") that cannot be resolved fails
// when the handler is built (at start), with one line naming the fix, instead of dead-lettering
// every message later. Model instances and resolvable ids (a default provider, a gateway
// credential, a linked Vercel project) pass. With the AI SDK's own mocks.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoadAPIKeyError, ToolLoopAgent } from "ai";
import { MockLanguageModelV4, MockProviderV4 } from "ai/test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";

const g = globalThis as { AI_SDK_DEFAULT_PROVIDER?: unknown };
let dir: string;
const saved = { ...process.env };

beforeEach(() => {
  // No credential, and a working directory outside any linked Vercel project.
  delete process.env["AI_GATEWAY_API_KEY"];
  delete process.env["VERCEL_OIDC_TOKEN"];
  dir = mkdtempSync(join(tmpdir(), "model-check-"));
  vi.spyOn(process, "cwd").mockReturnValue(dir);
});

afterEach(() => {
  process.env = { ...saved };
  delete g.AI_SDK_DEFAULT_PROVIDER;
  rmSync(dir, { recursive: true, force: true });
});

const build = (model: ConstructorParameters<typeof ToolLoopAgent>[0]["model"]) => () =>
  createPeerMessageHandler(new ToolLoopAgent({ model }));

/**
 * The shape of @ai-sdk/openai's model: `provider`, `modelId`, and `config.headers()` reading the
 * key as @ai-sdk/provider-utils' loadApiKey does (the parameter, else the variable).
 */
const openaiModel = (apiKey?: string) =>
  Object.assign(new MockLanguageModelV4({ provider: "openai.responses", modelId: "gpt-5" }), {
    config: {
      headers: () => {
        const key = apiKey ?? process.env["OPENAI_API_KEY"];
        if (key == null) {
          throw new LoadAPIKeyError({
            message:
              "OpenAI API key is missing. Pass it using the 'apiKey' parameter or the OPENAI_API_KEY environment variable.",
          });
        }
        return { Authorization: `Bearer ${key}` };
      },
    },
  });

describe("createPeerMessageHandler checks the agent's model at start", () => {
  it("an AI Gateway model id without a credential: model_unresolvable, one line naming the fix", () => {
    expect(build("openai/gpt-5")).toThrow(
      expect.objectContaining({
        code: "model_unresolvable",
        message:
          'createPeerMessageHandler: the agent\'s model "openai/gpt-5" is an AI Gateway model id and the AI Gateway has no credential here: set AI_GATEWAY_API_KEY (or VERCEL_OIDC_TOKEN, e.g. with `vercel env pull`), or give the agent a provider\'s model instance (e.g. openai("gpt-5") from @ai-sdk/openai)',
      }),
    );
  });

  it("a model instance (the AI SDK's MockLanguageModelV4) is never refused", () => {
    expect(build(new MockLanguageModelV4())).not.toThrow();
  });

  it("an id resolves through AI_SDK_DEFAULT_PROVIDER, a gateway key, an OIDC token or a linked project", () => {
    g.AI_SDK_DEFAULT_PROVIDER = new MockProviderV4({
      languageModels: { "openai/gpt-5": new MockLanguageModelV4() },
    });
    expect(build("openai/gpt-5")).not.toThrow();
    delete g.AI_SDK_DEFAULT_PROVIDER;
    process.env["AI_GATEWAY_API_KEY"] = "key";
    expect(build("openai/gpt-5")).not.toThrow();
    delete process.env["AI_GATEWAY_API_KEY"];
    process.env["VERCEL_OIDC_TOKEN"] = "token";
    expect(build("openai/gpt-5")).not.toThrow();
    delete process.env["VERCEL_OIDC_TOKEN"];
    expect(build("openai/gpt-5")).toThrow(/model_unresolvable|AI Gateway/);
    mkdirSync(join(dir, ".vercel")); // `vercel link`: the gateway refreshes an OIDC token
    const nested = join(dir, "app");
    mkdirSync(nested);
    vi.mocked(process.cwd).mockReturnValue(nested);
    expect(build("openai/gpt-5")).not.toThrow();
  });

  it('a provider\'s model instance without its key (openai("gpt-5") without OPENAI_API_KEY): model_key_missing naming the variable', () => {
    delete process.env["OPENAI_API_KEY"];
    expect(build(openaiModel())).toThrow(
      expect.objectContaining({
        code: "model_key_missing",
        retryable: false,
        message:
          'createPeerMessageHandler: the agent\'s model "gpt-5" (openai.responses) has no API key: set OPENAI_API_KEY (or pass apiKey to the provider), then start again',
      }),
    );
    expect(build(openaiModel("sk-given"))).not.toThrow();
    process.env["OPENAI_API_KEY"] = "sk-env";
    expect(build(openaiModel())).not.toThrow();
  });

  it("a generate function is not inspected (its model is only known when it runs)", () => {
    expect(() => createPeerMessageHandler(async () => "hi")).not.toThrow();
  });
});
