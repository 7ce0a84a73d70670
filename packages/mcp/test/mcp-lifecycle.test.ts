// Lifecycle and safety of the spawned bin: a wrong token, a restart with an unread message, a
// paused workspace, several workspaces in one server, the token kept out of every output.
import { spawn } from "node:child_process";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  BIN,
  channelText,
  connectStdio,
  isChannel,
  tempDir,
  structured,
  textOf,
} from "./helpers.js";
import type { StdioSession } from "./helpers.js";

interface InboxMsg {
  messageId: string;
  text: string;
  workspaceId: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function platformFor(compat: "latest" | "2026-04"): Promise<TestPlatform> {
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

/** Runs the bin to its exit; resolves with its exit code and stderr. */
async function runToExit(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env["PATH"] ?? "",
      MOLECULE_STATE_DIR: process.env["MOLECULE_STATE_DIR"] ?? "",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stderr, stdout };
}

describe.each(["latest", "2026-04"] as const)("lifecycle and safety (%s)", (compat) => {
  it("a wrong token gives one clear error line and exit code 1, without the token", async () => {
    const platform = await platformFor(compat);
    const wrong = "wrong-token-0123456789abcdef";
    const { code, stderr } = await runToExit({
      ...platform.workspace.env,
      MOLECULE_WORKSPACE_TOKEN: wrong,
      MOLECULE_MCP_STATE_DIR: stateDir(),
    });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      "molecule mcp: could not start: the platform rejected the workspace token (401): set MOLECULE_WORKSPACE_TOKEN to the workspace's current token (or its token file), then restart.",
    ]);
    expect(stderr).not.toContain(wrong);
  });

  it("a paused workspace is reported as a notification and through the tools", async () => {
    const platform = await platformFor(compat);
    // The baseline has no event stream to announce a pause: the state check finds it.
    const mcp = await session({
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: stateDir(),
      MOLECULE_LOG_LEVEL: "error",
      ...(compat === "2026-04" ? { MOLECULE_MCP_STATE_INTERVAL_MS: "200" } : {}),
    });
    await platform.emulator.admin.pause(platform.workspace.id);
    const note = await mcp.notes.next(
      (n) =>
        isChannel(n) && (n.params["meta"] as Record<string, string>)["kind"] === "workspace_state",
    );
    expect(note.params["content"]).toContain("was paused on the platform");
    const r = await mcp.client.callTool({ name: "list_peers", arguments: {} });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain("Resume it on the canvas");
    const info = structured<{ workspaces: { status: string }[] }>(
      await mcp.client.callTool({ name: "workspace_info", arguments: {} }),
    );
    expect(info.workspaces[0]!.status).toBe("paused");
  });

  it("one server runs two workspaces; tools name the workspace; the tokens appear nowhere", async () => {
    const platform = await platformFor(compat);
    const second = await platform.addWorkspace("second");
    const peer = await platform.addWorkspace("peer");
    const mcp = await session({
      MOLECULE_PLATFORM_URL: platform.url,
      MOLECULE_WORKSPACE_IDS: `${platform.workspace.id},${second.id}`,
      MOLECULE_WORKSPACE_TOKENS: `${platform.workspace.token},${second.token}`,
      MOLECULE_MCP_STATE_DIR: stateDir(),
      MOLECULE_LOG_LEVEL: "debug",
    });
    const ambiguous = await mcp.client.callTool({ name: "list_peers", arguments: {} });
    expect(ambiguous.isError).toBe(true);
    expect(textOf(ambiguous)).toContain("pass workspaceId");
    const info = structured<{ workspaces: { id: string; status: string }[] }>(
      await mcp.client.callTool({ name: "workspace_info", arguments: {} }),
    );
    expect(info.workspaces.map((w) => w.status)).toEqual(["online", "online"]);
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    const answer = asker.callPeer(second.id, "for the second one", { timeoutMs: 20_000 });
    const note = await mcp.notes.next(isChannel);
    expect((note.params["meta"] as Record<string, string>)["workspace_id"]).toBe(second.id);
    const none = structured<{ messages: InboxMsg[] }>(
      await mcp.client.callTool({
        name: "read_inbox",
        arguments: { workspaceId: platform.workspace.id },
      }),
    );
    expect(none.messages).toEqual([]);
    const read = structured<{ messages: InboxMsg[] }>(
      await mcp.client.callTool({ name: "read_inbox", arguments: { workspaceId: second.id } }),
    );
    expect(read.messages.map((m) => [m.workspaceId, m.text])).toEqual([
      [second.id, "for the second one"],
    ]);
    await mcp.client.callTool({
      name: "reply",
      arguments: { messageId: read.messages[0]!.messageId, text: "ok" },
    });
    expect((await answer).status).toBe("completed");
    const outputs = [
      mcp.stderr(),
      JSON.stringify(mcp.notes.all),
      JSON.stringify(read),
      JSON.stringify(info),
    ];
    for (const token of [platform.workspace.token, second.token]) {
      for (const out of outputs) expect(out).not.toContain(token);
    }
  });
});

describe("restart (latest: poll delivery keeps unread messages in core's file store)", () => {
  it("an unread message survives a restart and is delivered once", async () => {
    const platform = await platformFor("latest");
    const dir = stateDir();
    const peer = await platform.addWorkspace("peer");
    const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
    await asker.start();
    cleanups.push(() => asker.stop());
    const env = {
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: dir,
      MOLECULE_LOG_LEVEL: "error",
    };

    const first = await connectStdio(env);
    const answer = asker.callPeer(platform.workspace.id, "are you there?", { timeoutMs: 30_000 });
    await first.notes.next(isChannel); // held, not read
    expect(await first.close()).toBeLessThan(1000);

    const second = await session(env);
    const note = await second.notes.next(isChannel);
    expect(channelText(note)).toBe("are you there?");
    const read = structured<{ messages: InboxMsg[] }>(
      await second.client.callTool({ name: "read_inbox", arguments: {} }),
    );
    expect(read.messages.map((m) => m.text)).toEqual(["are you there?"]);
    await second.client.callTool({
      name: "reply",
      arguments: { messageId: read.messages[0]!.messageId, text: "yes" },
    });
    const got = await answer;
    expect(got.status === "completed" && got.text).toContain("yes");
    // A second message, read but never answered: reading settles it too.
    await asker.callPeer(platform.workspace.id, "read me only", { awaitReply: false });
    await second.notes.next((n) => isChannel(n) && channelText(n) === "read me only");
    const readOnly = structured<{ messages: InboxMsg[] }>(
      await second.client.callTool({ name: "read_inbox", arguments: {} }),
    );
    expect(readOnly.messages.map((m) => m.text)).toEqual(["read me only"]);
    expect(await second.close()).toBeLessThan(1000);

    // A third start: the message was read (settled), so it is not delivered again.
    const third = await session(env);
    const after = structured<{ messages: InboxMsg[]; timedOut: boolean }>(
      await third.client.callTool({ name: "wait_for_message", arguments: { timeoutSeconds: 2 } }),
    );
    expect(after).toMatchObject({ messages: [], timedOut: true });
    expect(third.notes.count(isChannel)).toBe(0);
  });
});

describe("configuration errors", () => {
  it("no platform URL: one line that says what to set", async () => {
    const { code, stderr } = await runToExit({
      MOLECULE_WORKSPACE_ID: "00000000-0000-4000-8000-000000000001",
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      "molecule mcp: No platform URL: set MOLECULE_PLATFORM_URL or pass --platform-url <url>.\n",
    );
  });

  it("--help lists every option", async () => {
    const { code, stdout } = await runToExit({}, ["--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--platform-url",
      "--workspace-id",
      "--http",
      "--host",
      "--allow-origin",
      "--state-dir",
      "--name",
      "--max-unread",
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});
