// An agent whose model is an AI Gateway model id ("openai/gpt-5") that cannot be resolved fails
// when the handler is built (at start), with one line naming the fix, instead of dead-lettering
// every message later. Model instances and resolvable ids (a default provider, a gateway
// credential, a linked Vercel project) pass. With the AI SDK's own mocks.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolLoopAgent } from "ai";
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

  it("a generate function is not inspected (its model is only known when it runs)", () => {
    expect(() => createPeerMessageHandler(async () => "hi")).not.toThrow();
  });
});
