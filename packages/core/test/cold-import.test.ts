// What `import "@molecule-ai/agent-core"` loads, in a fresh Node process over the built package:
// no third-party module (undici, zod, eventsource-parser, tar, yaml load on first use or only via
// /plugins), no node:http, and a handful of bundled files rather than one per source file; zod
// only through /peer-tools/schemas among the adapters' subpaths; the A2A server only on a push
// agent's start (or its first framework-route handler).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** The URLs of every module loaded by importing `entry` (a path under dist/) in a fresh process. */
async function loadedBy(entry: string): Promise<string[]> {
  const url = new URL(`../dist/${entry}`, import.meta.url).href;
  const script = `
    import { registerHooks } from "node:module";
    const loaded = [];
    registerHooks({ load: (u, context, next) => { loaded.push(u); return next(u, context); } });
    await import(${JSON.stringify(url)});
    console.log(JSON.stringify(loaded));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as string[];
}

/** The zod modules among `loaded`. */
function zod(loaded: string[]): string[] {
  return loaded.filter((u) => u.includes("/node_modules/zod/"));
}

describe("cold import", () => {
  it("the root entry loads no dependency, no node:http and few files", async () => {
    const loaded = await loadedBy("index.js");
    expect(loaded.filter((u) => u.includes("/node_modules/"))).toEqual([]);
    expect(loaded).not.toContain("node:http");
    const own = loaded.filter((u) => u.includes("/dist/"));
    expect(own.length).toBeGreaterThan(0);
    // tsc's one-file-per-source output resolved ~110 files here; the bundle 29 (one chunk per
    // group of modules two entries share: the transcript route now shares the push server's
    // cheap refusal, which made one more; `/files` the platform's chat-file rules with the client,
    // one more again; the approval text's escapes, shared with spotlighting, one more; the path
    // secret's rules, shared with /a2a's verifyBearer, one more; the address ranges, shared by the
    // platform-bearer check and the webhook rules, one more; #79-#81: a handler's start checks,
    // shared with /adapters, the peer stream-event reader, shared with /a2a's RemoteA2AAgent, and
    // the pending tool calls of durable approvals, shared with /org: two more in all; #87: the
    // proxy routing, shared with /adapters' `requestPlatformUrl`, one more; #102: A2A v1.0.1's
    // error table, shared with /a2a's `A2A_ERROR_MAPPINGS`, and the resuming peer stream, shared
    // with /a2a's RemoteA2AAgent: two more; #100: the platform event stream's reader and its
    // bounds, shared with /org's ApprovalWaiter, one more; #111: the judge of who answered, its
    // peer form shared with /a2a's RemoteA2AAgent and card discovery, one more).
    expect(own.length).toBeLessThanOrEqual(36);
  });

  it("the root entry leaves the A2A server (endpoint, HTTP+JSON binding, push notifications, node:http server) to first use", async () => {
    // a2a/push-server.ts is bundled as a facade chunk importing the server's chunks: the agent
    // `import()`s it when push delivery starts (agent/source/push-start.ts, push-handler.ts).
    const dir = new URL("../dist/chunks/", import.meta.url);
    const facade = readdirSync(dir).find((f) => /^push-server-.*\.js$/.test(f));
    expect(facade).toBeDefined();
    const code = readFileSync(new URL(facade!, dir), "utf8");
    const server = [...code.matchAll(/from "\.\/([^"]+)"/g)].map((m) => m[1]!);
    expect(code).toMatch(/createA2AHandler/);
    expect(server.length).toBeGreaterThan(0);
    const loaded = await loadedBy("index.js");
    const chunks = [facade!, ...server].map((f) => `/dist/chunks/${f}`);
    expect(loaded.filter((u) => chunks.some((c) => u.endsWith(c)))).toEqual([]);
  });

  it("the root entry leaves what an agent may never call to first use (approvals, transcript route, delegation records, session views, tokens, memories, plugins)", async () => {
    // Issue 93: each of these is `import()`ed by the method that needs it (agent-approvals.ts,
    // platform/on-demand.ts, pending-tool-calls.ts' digest, transcript.ts' route). Which chunk holds a source file is
    // read from the chunks' source maps.
    const onDemand = [
      "org/approvals.ts",
      "org/escalations.ts",
      "org/approval-request.ts",
      "org/transcript-route.ts",
      "platform/approvals.ts",
      "platform/delegation-records.ts",
      "platform/session-views.ts",
      "platform/tokens.ts",
      "platform/memories.ts",
      "platform/plugin-download.ts",
      "platform/queue-status.ts",
    ];
    const dir = new URL("../dist/chunks/", import.meta.url);
    const sourcesOf = (chunk: string): string[] =>
      (
        JSON.parse(readFileSync(new URL(`${chunk}.map`, dir), "utf8")) as { sources: string[] }
      ).sources.map((s) => s.replace(/^(\.\.\/)+src\//, ""));
    // A facade chunk (only re-exports) has no source map.
    const chunks = readdirSync(dir).filter((f) => readdirSync(dir).includes(`${f}.map`));
    // Every one is bundled somewhere (else this test would pass for nothing)...
    const bundled = new Set(chunks.flatMap(sourcesOf));
    expect(onDemand.filter((f) => !bundled.has(f))).toEqual([]);
    // ...and none in a chunk the root entry loads.
    const loaded = (await loadedBy("index.js"))
      .filter((u) => u.includes("/dist/chunks/"))
      .map((u) => u.slice(u.lastIndexOf("/") + 1))
      .filter((f) => chunks.includes(f));
    expect(loaded.flatMap(sourcesOf).filter((f) => onDemand.includes(f))).toEqual([]);
  });

  it("the root entry loads no Node built-in the process had not loaded (crypto, streams, fs.promises on first use)", async () => {
    // Built-ins a cold import would load (node:crypto ~5 ms, node:fs's ESM facade ~4 ms,
    // fs.promises and node:stream ~2.5 ms each): runtime/ takes them with getBuiltinModule on
    // first use. process.moduleLoadList names every internal module Node has loaded.
    const url = new URL("../dist/index.js", import.meta.url).href;
    const script = `
      await import("data:text/javascript,export default 1");
      const before = new Set(process.moduleLoadList);
      await import(${JSON.stringify(url)});
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      timeout: 30_000,
    });
    const added = JSON.parse(stdout.trim().split("\n").at(-1)!) as string[];
    expect(added.filter((m) => !m.startsWith("NativeModule internal/modules/"))).toEqual([]);
  });

  it("/peer-tools and /adapters load no zod (NestJS imports both); /peer-tools/schemas does", async () => {
    expect(zod(await loadedBy("peer-tools/index.js"))).toEqual([]);
    expect(zod(await loadedBy("adapters/index.js"))).toEqual([]);
    expect(zod(await loadedBy("peer-tools/schemas.js")).length).toBeGreaterThan(0);
  });

  it("/plugins is where tar and yaml load", async () => {
    const loaded = await loadedBy("public/plugins.js");
    expect(loaded.some((u) => u.includes("/node_modules/tar/"))).toBe(true);
    expect(loaded.some((u) => u.includes("/node_modules/yaml/"))).toBe(true);
  });
});
