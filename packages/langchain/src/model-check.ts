// At start, an agent whose chat model has no provider key fails with one line naming the variable,
// instead of "connected" and then every message dead-lettered with the provider's error.
//
// The signal: every LangChain chat model integration declares `lc_secrets`, its secret fields and
// the environment variable each is read from (`ChatOpenAI`: `{ apiKey: "OPENAI_API_KEY", ... }`;
// `ChatAnthropic`: `anthropicApiKey` and `apiKey`, both `ANTHROPIC_API_KEY`). A model reads the
// variable when it is constructed (`ChatOpenAI` sets `apiKey` from `OPENAI_API_KEY`), so a key
// variable none of whose fields is set on the model, and that is not set now either, is missing.
import { MoleculeError } from "@molecule-ai/agent-core";

/** The chat model a `createAgent()` result was built with (its `options.model`), if an instance. */
function modelOf(agent: unknown): object | undefined {
  const model = (agent as { options?: { model?: unknown } } | null)?.options?.model;
  return typeof model === "object" && model !== null ? model : undefined;
}

/**
 * The provider models behind `model`: an `initChatModel()` result (langchain's `ConfigurableModel`)
 * holds none of the keys itself but caches the provider's model it built (`initChatModel` builds
 * it before returning, e.g. a `ChatOpenAI` for "openai:gpt-5"), in `_modelInstanceCache`; any
 * other model is itself.
 */
function providerModels(model: object): object[] {
  const cache: unknown = Reflect.get(model, "_modelInstanceCache");
  if (!(cache instanceof Map)) return [model];
  return [...cache.values()].filter((m): m is object => typeof m === "object" && m !== null);
}

/** The value at a dotted path (`configuration.apiKey`) of `obj`. */
function at(obj: object, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split("."))
    v = typeof v === "object" && v !== null ? Reflect.get(v, k) : undefined;
  return v;
}

/**
 * The API-key variable (`*_API_KEY`) a chat model needs and has no value for, on the model or in
 * the environment; undefined when it has every key or it cannot be told (no `lc_secrets`, no
 * `process.env`).
 */
function missingModelKey(model: unknown): string | undefined {
  const secrets = (model as { lc_secrets?: unknown } | null)?.lc_secrets;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  if (typeof secrets !== "object" || secrets === null || env === undefined) return undefined;
  const fields = new Map<string, string[]>();
  for (const [field, name] of Object.entries(secrets)) {
    if (typeof name === "string" && name.endsWith("API_KEY"))
      fields.set(name, [...(fields.get(name) ?? []), field]);
  }
  for (const [name, of] of fields) {
    const set = of.some((f) => {
      const v = at(model as object, f);
      return typeof v === "function" || (typeof v === "string" && v.trim() !== "");
    });
    if (!set && !env[name]?.trim()) return name;
  }
  return undefined;
}

/**
 * Throws `MoleculeError` `model_key_missing` when the chat model of a `createAgent()` result has
 * no provider key (see {@link missingModelKey}), naming the variable to set.
 */
export function assertModelKey(agent: unknown, caller: string): void {
  const outer = modelOf(agent);
  for (const model of outer ? providerModels(outer) : []) {
    const name = missingModelKey(model);
    if (!name) continue;
    const kind = (model as { constructor?: { name?: string } }).constructor?.name ?? "chat model";
    throw new MoleculeError(
      `${caller}: the agent's ${kind} has no API key: set ${name} (or pass the key to the model), then start again`,
      { code: "model_key_missing", retryable: false },
    );
  }
}
