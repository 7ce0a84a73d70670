// Issue 49, MCP: what a new user meets. The server answers initialize at once with the platform
// down and says what is wrong through the tools; nothing is sent before the host's initialized;
// errors name what to set (a missing token, an old Node, a call_peer timeout); delegate_to_peer
// to an id that is no workspace fails; a first start reads the history (or from now, on request); a second server
// on the same workspace and state directory takes no messages and says why.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import type { AddressInfo, Socket } from "node:net";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { waitFor } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { MoleculeMcp, readMcpConfig } from "../src/index.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  BIN,
  channelText,
  connectStdio,
  isChannel,
  tempDir,
  spawnHttpBin,
  structured,
  textOf,
} from "./helpers.js";
import type { StdioSession } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function platformFor(compat: "latest" | "2026-04" = "latest"): Promise<TestPlatform> {
  const platform = await startTestPlatform({ name: "host", emulator: { compat } });
  cleanups.push(() => platform.close());
  return platform;
}

function stateDir(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

async function session(env: Record<string, string>): Promise<StdioSession> {
  const s = await connectStdio(env);
  cleanups.push(async () => void (await s.close()));
  return s;
}

/**
 * A platform that answers nothing: it accepts connections and holds them until `down()`, which
 * drops them and stops listening (later connections are refused). A server that waited for the
 * platform before answering initialize would wait for ever (the test's timeout), at any speed.
 */
async function silentPlatform(): Promise<{
  url: string;
  held: () => number;
  down: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const srv = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const down = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      srv.close(() => resolve());
      for (const s of sockets) s.destroy();
    }));
  cleanups.push(down);
  return { url: `http://127.0.0.1:${port}`, held: () => accepted, down };
}

/** The bin spawned with raw JSON-RPC over its stdio: send lines, await answers by id. */
function rawBin(env: Record<string, string>, execArgv: string[] = []) {
  const child = spawn(process.execPath, [...execArgv, BIN], {
    env: {
      PATH: process.env["PATH"] ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      MOLECULE_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { id: number; resolve: (m: Record<string, unknown>) => void }[] = [];
  let buf = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const msg = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      lines.push(msg);
      for (const w of waiters.filter((x) => x.id === msg["id"])) w.resolve(msg);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  });
  return {
    lines,
    exited,
    stderr: () => stderr,
    request(id: number, method: string, params: Record<string, unknown> = {}) {
      const answered = new Promise<Record<string, unknown>>((resolve) =>
        waiters.push({ id, resolve }),
      );
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      return answered;
    },
    notify(method: string) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method })}\n`);
    },
    close() {
      child.stdin.end();
    },
  };
}

const INIT = {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "raw-host", version: "1" },
};

describe("first contact with molecule-mcp", () => {
  it("the platform down: initialize is answered while the platform answers nothing, nothing comes before it, the tools and workspace_info say the platform cannot be reached", async () => {
    const platform = await silentPlatform();
    const { url } = platform;
    const bin = rawBin({
      MOLECULE_PLATFORM_URL: url,
      MOLECULE_WORKSPACE_ID: "11111111-1111-4111-8111-111111111111",
      MOLECULE_WORKSPACE_TOKEN: "a-token-for-a-platform-that-is-down",
      MOLECULE_MCP_STATE_DIR: stateDir(),
    });
    // A ping is allowed before initialize: its answer says the process is up.
    await bin.request(1, "ping");
    const init = await bin.request(2, "initialize", INIT);
    expect(init["result"]).toMatchObject({ serverInfo: { name: "molecule" } });
    expect(bin.lines.map((l) => l["id"])).toEqual([1, 2]); // nothing else before initialize
    bin.notify("notifications/initialized");
    await waitFor(() => platform.held() > 0); // it tries the platform, which still answers nothing
    await platform.down(); // from now on the platform cannot be reached at all

    const info = await bin.request(3, "tools/call", { name: "workspace_info", arguments: {} });
    const infoText = JSON.stringify(info["result"]);
    expect(infoText).toContain("unreachable");
    expect(infoText).toContain(`could not reach the platform at ${url}`);
    expect(infoText).not.toContain('"status":"online"');
    const peers = await bin.request(4, "tools/call", { name: "list_peers", arguments: {} });
    expect(peers["result"]).toMatchObject({ isError: true });
    expect(JSON.stringify(peers["result"])).toContain("keeps retrying");
    bin.close();
    expect(await bin.exited).toBe(0);
    expect(bin.stderr()).toContain(`could not reach the platform at ${url}`);
    expect(bin.stderr()).not.toContain("a-token-for-a-platform-that-is-down");
  });

  it("the platform down, over Streamable HTTP: the server listens at once, initialize is answered while the platform answers nothing, workspace_info says unreachable, SIGINT exits 0", async () => {
    const platform = await silentPlatform();
    const { url } = platform;
    const bearer = "first-contact-bearer-0123456789";
    const bin = await spawnHttpBin({
      MOLECULE_PLATFORM_URL: url,
      MOLECULE_WORKSPACE_ID: "33333333-3333-4333-8333-333333333333",
      MOLECULE_WORKSPACE_TOKEN: "another-token-for-a-platform-that-is-down",
      MOLECULE_MCP_STATE_DIR: stateDir(),
      MOLECULE_MCP_HTTP_TOKEN: bearer,
    });
    cleanups.push(bin.stop);
    const client = new Client({ name: "http-host", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(bin.url), {
        requestInit: { headers: { authorization: `Bearer ${bearer}` } },
      }),
    );
    await waitFor(() => platform.held() > 0); // it tries the platform, which still answers nothing
    await platform.down(); // from now on the platform cannot be reached at all
    const info = structured<{ workspaces: { status: string; problem: string | null }[] }>(
      await client.callTool({ name: "workspace_info", arguments: {} }),
    );
    expect(info.workspaces[0]!.status).toBe("unreachable");
    expect(info.workspaces[0]!.problem).toContain(`could not reach the platform at ${url}`);
    await client.close();
    const exited = new Promise<number | null>((r) => bin.child.once("exit", r));
    bin.child.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("a message held before the host's initialized is announced only after it", async () => {
    const platform = await platformFor();
    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    const molecule = new MoleculeMcp(
      readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: stateDir() }),
      { logger: {} },
    );
    await molecule.start();
    cleanups.push(() => molecule.stop());
    const [hostSide, serverSide] = InMemoryTransport.createLinkedPair();
    const seen: JSONRPCMessage[] = [];
    let listener = (m: JSONRPCMessage): void => void seen.push(m);
    // oxlint-disable-next-line unicorn/prefer-add-event-listener -- an MCP transport's only hook
    hostSide.onmessage = (m) => listener(m);
    await hostSide.start();
    await molecule.createServer().connect(serverSide);
    const held = new Promise<void>((resolve) => molecule.inbox.onMessage(() => resolve()));
    await asker.callPeer(platform.workspace.id, "early bird", { awaitReply: false });
    await held;
    expect(seen).toEqual([]); // the host has not initialized: nothing was sent

    let initResult!: () => void;
    const initialized = new Promise<void>((resolve) => (initResult = resolve));
    const announced = new Promise<void>((resolve) => {
      listener = (m) => {
        seen.push(m);
        if ("id" in m && m.id === 1) initResult();
        if ("method" in m && m.method === "notifications/claude/channel") resolve();
      };
    });
    // As a host does: initialize, await its answer, then notifications/initialized.
    await hostSide.send({ jsonrpc: "2.0", id: 1, method: "initialize", params: INIT });
    await initialized;
    expect(seen).toHaveLength(1); // the answer, and still no notification
    await hostSide.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await announced;
    expect(seen[0]).toMatchObject({ id: 1, result: { serverInfo: { name: "molecule" } } });
    expect(seen[1]).toMatchObject({
      method: "notifications/claude/channel",
      // Its header line, then the text, each line marked.
      params: { content: expect.stringMatching(/^\[message [^\n]+\]\n│ early bird$/) },
    });
    await hostSide.close();
  });

  it("no token and no token file: the line names MOLECULE_WORKSPACE_TOKEN and the file, not a 401", async () => {
    const platform = await platformFor();
    const home = stateDir();
    const bin = rawBin({
      HOME: home,
      MOLECULE_PLATFORM_URL: platform.url,
      MOLECULE_WORKSPACE_ID: platform.workspace.id,
      MOLECULE_MCP_STATE_DIR: stateDir(),
    });
    expect(await bin.exited).toBe(1);
    const lines = bin.stderr().trim().split("\n");
    expect(lines).toEqual([
      `molecule mcp: could not start: workspace ${platform.workspace.id} has no token: set MOLECULE_WORKSPACE_TOKEN (MOLECULE_WORKSPACE_TOKENS for several workspaces) to the token the platform issued for it, or write it to ${home}/.molecule/${platform.workspace.id}/.auth_token, then restart.`,
    ]);
  });

  it("an old Node gets one line that says Node >= 22.19 is needed", async () => {
    const bin = rawBin({}, [
      "--import",
      'data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:"20.18.0"}})',
    ]);
    expect(await bin.exited).toBe(1);
    expect(bin.stderr()).toBe(
      "molecule-mcp: Node.js >= 22.19 is needed (this is 20.18.0): install a newer Node (for example 24 LTS) and run the command with it.\n",
    );
  });

  it("call_peer's timeout names only tool arguments; delegate_to_peer to an id that is no workspace fails", async () => {
    const platform = await platformFor();
    const silent = await platform.addWorkspace("silent"); // no agent: never answers
    const mcp = await session({ ...platform.workspace.env, MOLECULE_MCP_STATE_DIR: stateDir() });
    const timedOut = await mcp.client.callTool({
      name: "call_peer",
      arguments: { peerId: silent.id, message: "are you there?", timeoutSeconds: 1 },
    });
    expect(structured<{ status: string }>(timedOut).status).toBe("pending");
    const text = textOf(timedOut);
    expect(text).toContain("timeoutSeconds");
    for (const word of ["timeoutMs", "awaitReply", "isReply", "list_peers"])
      expect(text).not.toContain(word);

    const nobody = "22222222-2222-4222-8222-222222222222";
    const delegated = await mcp.client.callTool({
      name: "delegate_to_peer",
      arguments: { peerId: nobody, task: "do it" },
    });
    expect(delegated.isError).toBe(true);
    expect(textOf(delegated)).toContain("list_peers");
    const called = await mcp.client.callTool({
      name: "call_peer",
      arguments: { peerId: nobody, message: "hi", timeoutSeconds: 5 },
    });
    expect(called.isError).toBe(true);
  });

  it("a first start delivers the history, as every package does; MOLECULE_MCP_BACKFILL=none starts from now", async () => {
    const platform = await platformFor();
    const other = await platform.addWorkspace("other host");
    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    for (const id of [platform.workspace.id, other.id])
      await asker.callPeer(id, "old news", { awaitReply: false });
    platform.emulator.advanceClock(3_600_000); // "old news" is an hour old

    const history = await session({ ...other.env, MOLECULE_MCP_STATE_DIR: stateDir() });
    const note = await history.notes.next((n) => isChannel(n) && channelText(n) === "old news");
    expect(channelText(note)).toBe("old news");

    const fresh = await session({
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: stateDir(),
      MOLECULE_MCP_BACKFILL: "none",
    });
    await asker.callPeer(platform.workspace.id, "new news", { awaitReply: false });
    const got = structured<{ messages: { text: string }[] }>(
      await fresh.client.callTool({ name: "wait_for_message", arguments: { timeoutSeconds: 20 } }),
    );
    expect(got.messages.map((m) => m.text)).toEqual(["new news"]);
  });

  it("a second server on the same workspace and state directory takes no messages and says why", async () => {
    const platform = await platformFor();
    const dir = stateDir();
    const env = { ...platform.workspace.env, MOLECULE_MCP_STATE_DIR: dir };
    const first = await session(env);
    const second = await session(env);
    const info = structured<{ workspaces: { problem: string | null; delivery: string }[] }>(
      await second.client.callTool({ name: "workspace_info", arguments: {} }),
    );
    const lock = join(dir, platform.workspace.id, "mcp-inbox.lock");
    const problem = info.workspaces[0]!.problem!;
    expect(problem).toContain("Another molecule-mcp already receives workspace");
    expect(problem).toContain(`the lock ${lock} is held by holder`);
    expect(problem).toContain(`(pid ${first.pid} there)`);
    expect(problem).toContain("It is free when that agent stops, or 30 s after its last refresh");
    expect(info.workspaces[0]!.delivery).toBe("none");
    expect(second.stderr()).toContain(problem);
    const firstInfo = structured<{ workspaces: { problem: string | null }[] }>(
      await first.client.callTool({ name: "workspace_info", arguments: {} }),
    );
    expect(firstInfo.workspaces[0]!.problem).toBeNull();
  });
});
