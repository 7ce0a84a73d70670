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
const requireHere = (): NodeJS.Require =>
  (req ??= process.getBuiltinModule("node:module").createRequire(import.meta.url));
const load = (name: string): unknown => requireHere()(name);

let zod: typeof Zod | undefined;

/**
 * zod (a dependency): on Node its ES module build, the copy an `import "zod"` in the same process
 * gets (an MCP server's, the AI SDK's, the host's), not its CommonJS build beside it (~4 MiB of an
 * idle `molecule-mcp`, issue 101). Bun, Deno, or Node with `require(esm)` turned off: `require`.
 */
export function loadZod(): typeof Zod {
  if (zod !== undefined) return zod;
  const v = process.versions;
  if (v["bun"] === undefined && v["deno"] === undefined && process.features.require_module) {
    // A bundler's server build (Next.js) may give `import.meta` no `resolve`, or resolve to no
    // file: then `require` as everywhere else.
    try {
      const { fileURLToPath } = process.getBuiltinModule("node:url");
      return (zod = load(fileURLToPath(import.meta.resolve("zod"))) as typeof Zod);
    } catch {
      // fall through
    }
  }
  return (zod = load("zod") as typeof Zod);
}

/** The part of undici the SDK uses. */
export type UndiciPieces = Pick<typeof Undici, "Agent" | "ProxyAgent" | "Pool">;

let undici: UndiciPieces | undefined;

/**
 * undici (a dependency), or `undefined` where the runtime has no undici to dispatch with. Throws
 * (a module-loading error, never a network error) when it cannot be loaded.
 *
 * Only `Agent` (and `ProxyAgent` and `Pool`, on first use) rather than undici's root, which also loads fetch,
 * WebSocket, EventSource, its mock agents, cache stores, interceptors and other agents the SDK
 * never uses (~13 MiB of an idle agent's RSS, issue 88). The root gives every dispatcher its
 * `request`/`stream`/... methods when it loads; this gives it `request`, from the same module. On
 * Bun, or where undici's files are laid out otherwise, the root.
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
    // The SDK calls `request` (and `dispatch`, the dispatcher's own), never `stream`, `pipeline`
    // or `upgrade`: their files stay unloaded (issue 114). `connect` comes with the ProxyAgent,
    // which opens its CONNECT tunnels with it.
    const api = dispatcher.prototype;
    if (typeof api["request"] !== "function")
      api["request"] = load("undici/lib/api/api-request.js");
    deferHttp2();
    const Agent = load("undici/lib/dispatcher/agent.js") as typeof Undici.Agent;
    pieces = {
      Agent,
      get ProxyAgent() {
        if (typeof api["connect"] !== "function")
          api["connect"] = load("undici/lib/api/api-connect.js");
        return load("undici/lib/dispatcher/proxy-agent.js") as typeof Undici.ProxyAgent;
      },
      get Pool() {
        return load("undici/lib/dispatcher/pool.js") as typeof Undici.Pool;
      },
    };
  } catch {
    pieces = load("undici") as typeof Undici;
  }
  return (undici = pieces);
}

/**
 * Leaves undici's HTTP/2 client unloaded until a connection negotiates HTTP/2. undici's
 * `lib/dispatcher/client.js` requires `client-h2.js` when it loads, and that requires `node:http2`
 * and `node:tls` (~3 MiB of an idle agent's RSS, issue 88), though it calls it only for a socket
 * whose ALPN answer was `h2` (an HTTPS server that prefers HTTP/2, or `useH2c`): until then the
 * module cache holds, under that file's name, a stand-in for its one export (`connectH2`) that
 * loads the file on its first call. Node only (Deno keeps undici's own order); nothing is changed
 * where the file is not there or is loaded already.
 */
function deferHttp2(): void {
  if (process.versions["deno"] !== undefined) return;
  const r = requireHere();
  let file: string;
  try {
    file = r.resolve("undici/lib/dispatcher/client-h2.js");
  } catch {
    return;
  }
  if (r.cache[file] !== undefined) return;
  const Module = process.getBuiltinModule("node:module");
  const standIn = new Module(file);
  let connectH2: ((...args: unknown[]) => unknown) | undefined;
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = function (this: unknown, ...args: unknown[]): unknown {
    if (connectH2 === undefined) {
      if (r.cache[file] === standIn) delete r.cache[file];
      connectH2 = r(file) as (...args: unknown[]) => unknown;
    }
    return connectH2.apply(this, args);
  };
  r.cache[file] = standIn;
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
