// The built `molecule-mcp` bin as shipped, over stdio, with only the proxy variables and
// NODE_EXTRA_CA_CERTS in its environment: it reaches a TLS platform signed by a private CA through
// a forward proxy's CONNECT tunnel; NO_PROXY bypasses the proxy.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import {
  type ForwardProxy,
  forwardProxy,
  makeTestCa,
  tlsFront,
  type TlsFront,
} from "@internal/test-utils";
import { connectStdio, structured, tempDir } from "./helpers.js";

let emu: Emulator;
let proxy: ForwardProxy;
let tls: TlsFront;
const state = tempDir();
const caFile = join(state.dir, "ca.pem");
beforeAll(async () => {
  const ca = makeTestCa();
  writeFileSync(caFile, ca.caPem);
  emu = await startEmulator();
  proxy = await forwardProxy();
  tls = await tlsFront(emu.url, ca);
});
afterAll(async () => {
  await tls.close();
  await proxy.close();
  await emu.close();
  state.remove();
});

async function workspaceStatus(env: Record<string, string>, name: string): Promise<string> {
  const ws = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const mcp = await connectStdio({
    MOLECULE_PLATFORM_URL: tls.url,
    MOLECULE_WORKSPACE_ID: ws.id,
    MOLECULE_WORKSPACE_TOKEN: ws.token!,
    MOLECULE_MCP_STATE_DIR: join(state.dir, name),
    NODE_EXTRA_CA_CERTS: caFile,
    ...env,
  });
  try {
    const info = structured<{ workspaces: { status: string }[] }>(
      await mcp.client.callTool({ name: "workspace_info", arguments: {} }),
    );
    return info.workspaces[0]!.status;
  } finally {
    await mcp.close();
  }
}

describe("molecule-mcp behind a proxy", { timeout: 60_000 }, () => {
  it("HTTPS_PROXY: online through a CONNECT tunnel to the private-CA platform", async () => {
    proxy.carried.length = 0;
    expect(await workspaceStatus({ HTTPS_PROXY: proxy.url }, "mcp-proxied")).toBe("online");
    expect(proxy.carried).toContain(`CONNECT ${new URL(tls.url).host}`);
  });

  it("NO_PROXY lists the platform: online, directly", async () => {
    proxy.carried.length = 0;
    const env = { HTTPS_PROXY: proxy.url, NO_PROXY: "localhost" };
    expect(await workspaceStatus(env, "mcp-direct")).toBe("online");
    expect(proxy.carried).toEqual([]);
  });
});
