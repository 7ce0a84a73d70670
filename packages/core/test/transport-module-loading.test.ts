// Which HTTP client the SDK's pools use is decided by what the runtime has (runtime/modules.ts on
// Node, Bun and Deno; runtime/modules.web.ts in the edge build for workerd and Next's edge
// runtime), and a failure to load it is a setup error, never "check your network". Real HTTP
// against the emulator; the edge build itself runs in workerd in examples/worker-workspace.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import type * as Modules from "../src/runtime/index.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const loader = vi.hoisted(() => ({ undici: "node" as "node" | "absent" | "broken" }));
vi.mock("../src/runtime/index.js", async (importOriginal) => {
  const real = await importOriginal<typeof Modules>();
  return {
    ...real,
    loadUndici: () => {
      if (loader.undici === "absent") return undefined;
      if (loader.undici === "broken") throw new Error("Cannot find module 'undici'");
      return real.loadUndici();
    },
  };
});

const { PlatformClient } = await import("../src/index.js");

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => await emu.close());
beforeEach(() => void (loader.undici = "node"));

async function client() {
  const w = await emu.admin.createWorkspace({ name: "loader" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  return new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
}

describe("the HTTP client the runtime has", () => {
  it("without undici (the edge build), requests go through the runtime's fetch", async () => {
    loader.undici = "absent";
    const c = await client();
    try {
      await c.heartbeat();
      const state = await c.getState();
      expect(state.status).toBe("online");
    } finally {
      await c.close();
    }
  });

  it("undici that cannot be loaded is module_unavailable, not retried, never a network error", async () => {
    loader.undici = "broken";
    const c = await client();
    try {
      const err = (await c.heartbeat().catch((e: unknown) => e)) as {
        code?: string;
        retryable?: boolean;
        message: string;
      };
      expect(err.code).toBe("module_unavailable");
      expect(err.retryable).toBe(false);
      expect(err.message).toContain("could not load undici");
      expect(err.message).not.toContain("network");
    } finally {
      await c.close();
    }
  });
});

describe("undici's pieces on Node (runtime/modules.ts)", () => {
  it("HTTP/1.1 requests load no node:http2 and only undici's request API; HTTP/2 loads it then", async () => {
    // A fresh process (this one may hold undici's files already): an HTTP/1.1 request, then one
    // over cleartext HTTP/2 (`useH2c`, as an HTTPS server's ALPN answer `h2` would), both answered.
    const modules = new URL("../src/runtime/modules.ts", import.meta.url).href;
    const script = `
      const { loadUndici } = await import(${JSON.stringify(modules)});
      const { Agent } = loadUndici();
      const serve = async (server) => {
        await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
        return "http://127.0.0.1:" + server.address().port;
      };
      const get = async (agent, origin) => {
        const res = await agent.request({ origin, path: "/", method: "GET" });
        return res.body.text();
      };
      const h1 = process.getBuiltinModule("node:http").createServer((q, s) => s.end("HTTP/" + q.httpVersion));
      const one = new Agent();
      const first = await get(one, await serve(h1));
      const http2Before = process.moduleLoadList.includes("NativeModule http2");
      const cache = process.getBuiltinModule("node:module").createRequire(process.cwd() + "/").cache;
      const apis = Object.keys(cache).filter((f) => f.includes("/undici/lib/api/")).map((f) => f.split("/").pop()).sort();
      const h2 = process.getBuiltinModule("node:http2").createServer((q, s) => s.end("HTTP/" + q.httpVersion));
      const two = new Agent({ useH2c: true });
      const second = await get(two, await serve(h2));
      await Promise.all([one.close(), two.close()]);
      h1.close();
      h2.close();
      console.log(JSON.stringify({ first, http2Before, apis, second }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script],
      { timeout: 30_000 },
    );
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      first: "HTTP/1.1",
      http2Before: false,
      apis: ["abort-signal.js", "api-request.js", "readable.js"],
      second: "HTTP/2.0",
    });
  });
});
