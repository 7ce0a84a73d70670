// The Streamable HTTP transport of the spawned bin, with the official StreamableHTTPClientTransport.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { attachNotifications, BIN, isChannel, structured, tempDir } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** Spawns `molecule-mcp --http 0`; resolves with its URL once it printed it. */
async function startHttpBin(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, "--http", "0"], {
    env: { PATH: process.env["PATH"] ?? "", MOLECULE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /Streamable HTTP at (\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { url, child, stderr: () => stderr };
}

describe.each(["latest", "2026-04"] as const)("molecule-mcp --http (%s)", (compat) => {
  it("serves the tools and notifications to a client with the bearer, and refuses one without it or from another origin", async () => {
    const platform = await startTestPlatform({ name: "host", emulator: { compat } });
    cleanups.push(() => platform.close());
    const dir = tempDir();
    cleanups.push(dir.remove);
    const bearer = "test-bearer-0123456789abcdef";
    const { url, child, stderr } = await startHttpBin({
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: dir.dir,
      MOLECULE_MCP_HTTP_TOKEN: bearer,
    });
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
    expect((await client.listTools()).tools.length).toBe(10);
    await client.subscribeResource({ uri: "molecule://inbox" });

    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    const answer = asker.callPeer(platform.workspace.id, "over http?", { timeoutMs: 20_000 });
    const note = await notes.next(isChannel);
    await notes.next((n) => n.method === "notifications/resources/updated");
    expect(note.params["content"]).toBe("over http?");
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
