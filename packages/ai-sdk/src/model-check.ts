// At start, an agent whose model cannot be resolved fails with one line naming the fix, instead of
// "connected" and then every message dead-lettered with the AI Gateway's multi-line error.
//
// How the AI SDK resolves a model given as a string ("openai/gpt-5"): through
// `globalThis.AI_SDK_DEFAULT_PROVIDER` when the app set one, else through the AI Gateway, whose
// credential is, in order, `AI_GATEWAY_API_KEY`, then a Vercel OIDC token (`VERCEL_OIDC_TOKEN`,
// or one refreshed for a project linked with `vercel link`, found as a `.vercel` folder in the
// working directory or above it): `ai` 7's `resolveLanguageModel`, `@ai-sdk/gateway`'s
// `getGatewayAuthToken` and `@vercel/oidc`'s `findRootDir`.
import { MoleculeError } from "@molecule-ai/agent-core";

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
