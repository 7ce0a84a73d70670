// Issue 101: `molecule-mcp` owns its process, so it runs with what keeps it small (undici's
// WebAssembly parser at its baseline tier, a 1 MiB young generation, V8's heap sized for memory,
// two glibc malloc arenas): Node is started again in place with it (process.execve), and
// MOLECULE_NODE_FLAGS=keep keeps Node's own. The running server's command line and environment
// (/proc, Linux) show which. A stdio server loads neither the HTTP transport nor what node:http's
// ESM facade drags in (Node's own fetch, HTTP/2, TLS, zlib: ~6 MiB of an idle server).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { itRunsLean, nodeSetupOf, RECORD_MODULES_HOOK } from "@internal/test-utils";
import type { NodeSetup } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { connectStdio, tempDir } from "./helpers.js";
import type { StdioSession } from "./helpers.js";

const RECORD = RECORD_MODULES_HOOK;
/** Node's internal modules that only an HTTP server (or a fetch) needs. */
const HTTP_ONLY = ["internal/deps/undici/undici", "http2", "tls", "zlib"];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** A stdio server, connected (its workspace started), with `env` added to its environment. */
async function connected(env: Record<string, string>): Promise<StdioSession> {
  const platform = await startTestPlatform({ name: "lean" });
  cleanups.push(() => platform.close());
  const state = tempDir();
  cleanups.push(state.remove);
  const mcp = await connectStdio({
    ...platform.workspace.env,
    MOLECULE_MCP_STATE_DIR: state.dir,
    ...env,
  });
  return mcp;
}

/** What the server was started with, once it is connected. */
async function started(env: Record<string, string>): Promise<NodeSetup> {
  const mcp = await connected(env);
  cleanups.push(async () => void (await mcp.close()));
  return nodeSetupOf(mcp.pid);
}

describe.skipIf(process.platform !== "linux")("molecule-mcp's own process (Linux: /proc)", () => {
  itRunsLean(started);
});

describe("what a stdio server loads", () => {
  it("neither the HTTP transport nor Node's fetch, HTTP/2, TLS and zlib", async () => {
    const logs = tempDir();
    cleanups.push(logs.remove);
    const log = join(logs.dir, "modules.log");
    const mcp = await connected({
      NODE_OPTIONS: `--import=${pathToFileURL(RECORD).href}`,
      RECORD_MODULES: log,
    });
    await mcp.client.listTools();
    await mcp.close(); // the recorder writes Node's internal modules as the process exits
    const loaded = readFileSync(log, "utf8").split("\n");
    expect(loaded.some((u) => u.endsWith("/packages/mcp/dist/server.js"))).toBe(true);
    expect(loaded.filter((u) => u.endsWith("/packages/mcp/dist/http.js"))).toEqual([]);
    expect(loaded).toContain("builtin:net");
    expect(loaded.filter((u) => HTTP_ONLY.some((m) => u === `builtin:${m}`))).toEqual([]);
  });

  it("the HTTP transport's module loads none of them until it serves", async () => {
    const url = new URL("../dist/http.js", import.meta.url).href;
    const script = `await import(${JSON.stringify(url)}); console.log(JSON.stringify(process.moduleLoadList));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script],
      { timeout: 30_000 },
    );
    const list = JSON.parse(stdout.trim().split("\n").at(-1)!) as string[];
    expect(list).toContain("NativeModule http");
    expect(list.filter((m) => HTTP_ONLY.some((h) => m === `NativeModule ${h}`))).toEqual([]);
  });
});
