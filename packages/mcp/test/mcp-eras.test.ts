// Both protocol eras, with the official v2 client (@modelcontextprotocol/client) and the v1 one
// (@modelcontextprotocol/sdk): a 2025 host (`initialize`) and a host pinned to 2026-07-28
// (`server/discover`, `_meta` on every request), over Streamable HTTP and over stdio.
import { Client } from "@modelcontextprotocol/client";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1HttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { MoleculeMcp, readMcpConfig, startMcpHttp } from "../src/index.js";
import type { McpHttpServer } from "../src/index.js";
import { BIN, structured, tempDir } from "./helpers.js";

const MODERN = "2026-07-28";
const BEARER = "test-bearer-0123456789abcdef";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function platformAndServer(): Promise<{ platform: TestPlatform; http: McpHttpServer }> {
  const platform = await startTestPlatform({ name: "eras" });
  cleanups.push(() => platform.close());
  const state = tempDir();
  cleanups.push(state.remove);
  const host = new MoleculeMcp(
    readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: state.dir }),
    { logger: {} },
  );
  cleanups.push(() => host.stop());
  const http = await startMcpHttp(host, {
    port: 0,
    host: "127.0.0.1",
    token: BEARER,
    allowedOrigins: [],
  });
  cleanups.push(() => http.close());
  await host.start();
  return { platform, http };
}

function httpTransport(url: string): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${BEARER}` } },
  });
}

/** A peer workspace whose agent sends `text` to the served workspace. */
async function sendFromPeer(platform: TestPlatform, text: string): Promise<void> {
  const peer = await platform.addWorkspace(`peer-${Math.random().toString(36).slice(2, 8)}`);
  const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
  await asker.start();
  cleanups.push(() => asker.stop());
  void asker.callPeer(platform.workspace.id, text, { timeoutMs: 30_000 }).catch(() => undefined);
}

describe("Streamable HTTP serves both eras", () => {
  it("a 2025 host (v2 client, initialize), a host pinned to 2026-07-28 (server/discover) and a v1 client each list the tools; the 2026 host is told of a message on its listen stream and waits for it", async () => {
    const { platform, http } = await platformAndServer();

    const legacy = new Client({ name: "legacy-host", version: "1" });
    await legacy.connect(httpTransport(http.url));
    cleanups.push(() => legacy.close());
    expect(legacy.getProtocolEra()).toBe("legacy");
    expect(legacy.getNegotiatedProtocolVersion()).not.toBe(MODERN);

    const modern = new Client(
      { name: "modern-host", version: "1" },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    await modern.connect(httpTransport(http.url));
    cleanups.push(() => modern.close());
    expect(modern.getProtocolEra()).toBe("modern");
    expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(modern.getServerVersion()?.name).toBe("molecule");

    const v1 = new V1Client({ name: "v1-host", version: "1" });
    await v1.connect(
      new V1HttpTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${BEARER}` } },
      }),
    );
    cleanups.push(() => v1.close());

    for (const tools of [
      (await legacy.listTools()).tools,
      (await modern.listTools()).tools,
      (await v1.listTools()).tools,
    ]) {
      expect(tools.map((t) => t.name)).toContain("wait_for_message");
      expect(tools).toHaveLength(11);
    }
    const info = structured<{ workspaces: { status: string }[] }>(
      await modern.callTool({ name: "workspace_info", arguments: {} }),
    );
    expect(info.workspaces.map((w) => w.status)).toEqual(["online"]);

    // The 2026 host listens for inbox updates (subscriptions/listen) and waits for a message with
    // a tool call of its own (no session, no channel notification).
    let updated!: () => void;
    const inboxUpdated = new Promise<void>((resolve) => (updated = resolve));
    modern.setNotificationHandler("notifications/resources/updated", (n) => {
      if (n.params.uri === "molecule://inbox") updated();
    });
    const listening = await modern.listen({ resourceSubscriptions: ["molecule://inbox"] });
    cleanups.push(() => listening.close());
    const waited = modern.callTool(
      { name: "wait_for_message", arguments: { timeoutSeconds: 60 } },
      { timeout: 70_000 },
    );
    await sendFromPeer(platform, "to the 2026 host");
    await inboxUpdated;
    const got = structured<{ messages: { text: string }[]; timedOut: boolean }>(await waited);
    expect(got.timedOut).toBe(false);
    expect(got.messages.map((m) => m.text).join("\n")).toContain("to the 2026 host");
  }, 90_000);
});

describe("stdio serves both eras", () => {
  for (const mode of ["legacy", { pin: MODERN }] as const) {
    it(`a v2 client in ${typeof mode === "string" ? mode : "2026-07-28"} mode lists the tools and calls one`, async () => {
      const platform = await startTestPlatform({ name: "stdio-eras" });
      cleanups.push(() => platform.close());
      const state = tempDir();
      cleanups.push(state.remove);
      const client = new Client(
        { name: "stdio-host", version: "1" },
        { versionNegotiation: { mode } },
      );
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [BIN],
          env: {
            PATH: process.env["PATH"] ?? "",
            MOLECULE_LOG_LEVEL: "warn",
            MOLECULE_MCP_STATE_DIR: state.dir,
            ...platform.env,
          },
          stderr: "pipe",
        }),
      );
      cleanups.push(() => client.close());
      expect(client.getProtocolEra()).toBe(mode === "legacy" ? "legacy" : "modern");
      expect((await client.listTools()).tools).toHaveLength(11);
      const info = structured<{ workspaces: { status: string }[] }>(
        await client.callTool({ name: "workspace_info", arguments: {} }),
      );
      expect(info.workspaces.map((w) => w.status)).toEqual(["online"]);
    }, 60_000);
  }
});
