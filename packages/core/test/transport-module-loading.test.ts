// Which HTTP client the SDK's pools use is decided by what the runtime has (runtime/modules.ts on
// Node, Bun and Deno; runtime/modules.web.ts in the edge build for workerd and Next's edge
// runtime), and a failure to load it is a setup error, never "check your network". Real HTTP
// against the emulator; the edge build itself runs in workerd in examples/worker-workspace.
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
