// The optional and lazily loaded modules of the SDK (undici, zod, `@opentelemetry/api`), as Node,
// Bun and Deno load them: synchronously on first use, never at import, so a cold
// `import "@molecule-ai/agent-core"` does not pay for them. Serverless and edge runtimes (workerd,
// Next's edge runtime, a browser) get `modules.web.ts` instead: the package's `exports` send their
// conditions (`workerd`, `edge-light`, `worker`, `browser`) to `dist/edge/`, built with that file
// in place of this one (rolldown.config.ts), so no `node:module` or `createRequire` is on their path.
import type * as OTel from "@opentelemetry/api";
import type * as NodeDns from "node:dns";
import type * as NodeHttp from "node:http";
import type * as Undici from "undici";
import type * as Zod from "zod";

let req: NodeJS.Require | undefined;
const load = (name: string): unknown =>
  (req ??= process.getBuiltinModule("node:module").createRequire(import.meta.url))(name);

/** zod (a dependency). */
export const loadZod = (): typeof Zod => load("zod") as typeof Zod;

/** The part of undici the SDK uses. */
export type UndiciPieces = Pick<typeof Undici, "Agent" | "ProxyAgent">;

let undici: UndiciPieces | undefined;

/**
 * undici (a dependency), or `undefined` where the runtime has no undici to dispatch with. Throws
 * (a module-loading error, never a network error) when it cannot be loaded.
 *
 * Only `Agent` (and `ProxyAgent`, on first use) rather than undici's root, which also loads fetch,
 * WebSocket, EventSource, its mock agents, cache stores, interceptors and other agents the SDK
 * never uses (~13 MiB of an idle agent's RSS, issue 88). The root gives every dispatcher its
 * `request`/`stream`/... methods when it loads; this does the same with the same module. On Bun,
 * or where undici's files are laid out otherwise, the root.
 */
export function loadUndici(): UndiciPieces | undefined {
  if (undici !== undefined) return undici;
  let pieces: UndiciPieces;
  // Bun answers `require("undici")` with a built-in stub (the SDK then dispatches with fetch,
  // fetch-agent.ts), but undici's own files by path: keep it on the stub.
  if (process.versions["bun"] !== undefined) return (undici = load("undici") as typeof Undici);
  try {
    const dispatcher = load("undici/lib/dispatcher/dispatcher.js") as {
      prototype: Record<string, unknown>;
    };
    if (typeof dispatcher.prototype["request"] !== "function") {
      Object.assign(dispatcher.prototype, load("undici/lib/api/index.js"));
    }
    const Agent = load("undici/lib/dispatcher/agent.js") as typeof Undici.Agent;
    pieces = {
      Agent,
      get ProxyAgent() {
        return load("undici/lib/dispatcher/proxy-agent.js") as typeof Undici.ProxyAgent;
      },
    };
  } catch {
    pieces = load("undici") as typeof Undici;
  }
  return (undici = pieces);
}

/**
 * `node:http`, for `startA2AServer`. Not an ESM `import`: its ESM facade reads every export,
 * WebSocket included, which loads Node's bundled undici (~40 ms on every cold import).
 */
export const loadNodeHttp = (): typeof NodeHttp => process.getBuiltinModule("node:http");

/** `node:dns`, for the push notification webhooks' address checks (webhook-address.ts). */
export const loadNodeDns = (): typeof NodeDns | undefined => process.getBuiltinModule("node:dns");

/**
 * The addresses `host` resolves to (an IP literal: itself), for telling a request from the
 * platform's own address apart (the transcript route's budgets); `[]` when it does not resolve.
 */
export async function lookupAddresses(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, "");
  const { isIP } = process.getBuiltinModule("node:net");
  if (isIP(bare) !== 0) return [bare];
  try {
    const found = await process.getBuiltinModule("node:dns").promises.lookup(bare, { all: true });
    return found.map((a) => a.address);
  } catch {
    return [];
  }
}

/** `@opentelemetry/api` when installed (an optional peer), else `undefined`. */
export function loadOTel(): typeof OTel | undefined {
  try {
    return load("@opentelemetry/api") as typeof OTel;
  } catch {
    return undefined;
  }
}
