// The Streamable HTTP transport of the spawned bin, with the official StreamableHTTPClientTransport.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  attachNotifications,
  channelText,
  isChannel,
  tempDir,
  spawnHttpBin,
  structured,
} from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

describe.each(["latest", "2026-04"] as const)("molecule-mcp --http (%s)", (compat) => {
  it("serves the tools and notifications to a client with the bearer, and refuses one without it or from another origin", async () => {
    const platform = await startTestPlatform({ name: "host", emulator: { compat } });
    cleanups.push(() => platform.close());
    const dir = tempDir();
    cleanups.push(dir.remove);
    const bearer = "test-bearer-0123456789abcdef";
    const { url, child, stderr, stop } = await spawnHttpBin({
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: dir.dir,
      MOLECULE_MCP_HTTP_TOKEN: bearer,
    });
    cleanups.push(stop);
    expect(new URL(url).hostname).toBe("127.0.0.1");

    const noBearer = new Client({ name: "intruder", version: "1" });
    await expect(noBearer.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow(
      /401|unauthorized|bearer/i,
    );
    const raw = await fetch(url, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(raw.status).toBe(401);
    const foreign = await fetch(url, {
      method: "POST",
      body: "{}",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${bearer}`,
        origin: "http://evil.example",
      },
    });
    expect(foreign.status).toBe(403);

    const client = new Client({ name: "http-host", version: "1" });
    const notes = attachNotifications(client);
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    });
    await client.connect(transport);
    cleanups.push(() => client.close());
    expect((await client.listTools()).tools.length).toBe(11);
    // The server answers at once and registers its workspace in the background: workspace_info
    // returns once that first start has settled. A peer that called before then got 503
    // "workspace has no URL" on a loaded machine.
    const info = structured<{ workspaces: { status: string }[] }>(
      await client.callTool({ name: "workspace_info", arguments: {} }),
    );
    expect(info.workspaces.map((w) => w.status)).toEqual(["online"]);
    await client.subscribeResource({ uri: "molecule://inbox" });

    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    const answer = asker.callPeer(platform.workspace.id, "over http?", { timeoutMs: 20_000 });
    const note = await notes.next(isChannel);
    await notes.next((n) => n.method === "notifications/resources/updated");
    expect(channelText(note)).toBe("over http?");
    const read = structured<{ messages: { messageId: string }[] }>(
      await client.callTool({ name: "read_inbox", arguments: {} }),
    );
    await client.callTool({
      name: "reply",
      arguments: { messageId: read.messages[0]!.messageId, text: "yes, over http" },
    });
    const got = await answer;
    expect(got.status === "completed" && got.text).toContain("yes, over http");
    expect(stderr()).not.toContain(platform.workspace.token);
    expect(child.exitCode).toBeNull();
  });
});
