// At start, an agent whose model cannot be resolved fails with one line naming the fix, instead of
// "connected" and then every message dead-lettered with the AI Gateway's multi-line error.
//
// How the AI SDK resolves a model given as a string ("openai/gpt-5"): through
// `globalThis.AI_SDK_DEFAULT_PROVIDER` when the app set one, else through the AI Gateway, whose
// credential is, in order, `AI_GATEWAY_API_KEY`, then a Vercel OIDC token (`VERCEL_OIDC_TOKEN`,
// or one refreshed for a project linked with `vercel link`, found as a `.vercel` folder in the
// working directory or above it): `ai` 7's `resolveLanguageModel`, `@ai-sdk/gateway`'s
// `getGatewayAuthToken` and `@vercel/oidc`'s `findRootDir`.
//
// A provider's model instance (`openai("gpt-5")` from `@ai-sdk/openai`, whose `provider` is
// "openai.responses") reads its key when it builds a request's headers: `config.headers()`, which
// `loadApiKey` (`@ai-sdk/provider-utils`) makes throw `LoadAPIKeyError` naming the variable
// (`OPENAI_API_KEY`) when neither the provider's `apiKey` nor the variable is set. Building the
// headers makes no request, so the check calls it once.
import { MoleculeError } from "@molecule-ai/agent-core";
import { LoadAPIKeyError } from "ai";

type Env = Record<string, string | undefined>;

interface ProcessLike {
  env?: Env;
  cwd?: () => string;
  getBuiltinModule?: (id: string) => unknown;
}

/** The model an AI SDK `Agent` was built with, when it is readable (a `ToolLoopAgent`'s is). */
function modelOf(agent: unknown): unknown {
  const settings = (agent as { settings?: unknown } | null)?.settings;
  return typeof settings === "object" && settings !== null
    ? (settings as { model?: unknown }).model
    : undefined;
}

/** Whether a `.vercel` folder (a linked Vercel project) is in `cwd` or above it. */
function linkedToVercel(proc: ProcessLike): boolean | undefined {
  const fs = proc.getBuiltinModule?.("node:fs") as { existsSync?: (p: string) => boolean };
  const path = proc.getBuiltinModule?.("node:path") as {
    join?: (...p: string[]) => string;
    dirname?: (p: string) => string;
  };
  if (!fs?.existsSync || !path?.join || !path.dirname || !proc.cwd) return undefined;
  for (let dir = proc.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ".vercel"))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/**
 * Throws `MoleculeError` `model_unresolvable` when `agent`'s model is an AI Gateway model id (a
 * string) that the AI Gateway could not serve here: no `AI_SDK_DEFAULT_PROVIDER`, no
 * `AI_GATEWAY_API_KEY`, no `VERCEL_OIDC_TOKEN` and no linked Vercel project. Where that cannot be
 * told (no `process`, no file system), nothing is thrown.
 */
export function assertModelResolvable(agent: unknown, caller: string): void {
  const model = modelOf(agent);
  if (typeof model === "object" && model !== null) return assertProviderKey(model, caller);
  if (typeof model !== "string") return;
  if ((globalThis as { AI_SDK_DEFAULT_PROVIDER?: unknown }).AI_SDK_DEFAULT_PROVIDER) return;
  const proc = (globalThis as { process?: ProcessLike }).process;
  const env = proc?.env;
  if (env === undefined) return;
  if (env["AI_GATEWAY_API_KEY"]?.trim() || env["VERCEL_OIDC_TOKEN"]?.trim()) return;
  if (linkedToVercel(proc!) !== false) return;
  throw new MoleculeError(
    `${caller}: the agent's model ${JSON.stringify(model.slice(0, 100))} is an AI Gateway model id and the AI Gateway has no credential here: set AI_GATEWAY_API_KEY (or VERCEL_OIDC_TOKEN, e.g. with \`vercel env pull\`), or give the agent a provider's model instance (e.g. openai("gpt-5") from @ai-sdk/openai)`,
    { code: "model_unresolvable", retryable: false },
  );
}

/**
 * Throws `MoleculeError` `model_key_missing` when a provider's model instance cannot build its
 * request headers for want of an API key (`LoadAPIKeyError`), naming the variable. A model that
 * has no `config.headers`, or builds them asynchronously, is not checked.
 */
function assertProviderKey(model: object, caller: string): void {
  const { provider, modelId, config } = model as {
    provider?: unknown;
    modelId?: unknown;
    config?: { headers?: unknown };
  };
  if (typeof config?.headers !== "function") return;
  try {
    const headers: unknown = (config.headers as () => unknown)();
    // An asynchronous key (the provider's `apiKey` given as a function): told only at the request.
    if (headers instanceof Promise) headers.catch(() => {});
  } catch (error) {
    if (!LoadAPIKeyError.isInstance(error)) return;
    const variable = /the (\w+) environment variable/.exec(error.message)?.[1];
    const what = `${JSON.stringify(String(modelId).slice(0, 100))}${typeof provider === "string" ? ` (${provider})` : ""}`;
    throw new MoleculeError(
      variable
        ? `${caller}: the agent's model ${what} has no API key: set ${variable} (or pass apiKey to the provider), then start again`
        : `${caller}: the agent's model ${what} has no usable API key: ${error.message}`,
      { code: "model_key_missing", retryable: false },
    );
  }
}
