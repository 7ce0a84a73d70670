// One receiver per workspace, whatever the pid (issue 92): the built bin over stdio, its inbox lock
// (`mcp-inbox.lock`) a lease of core's takeStateLock. Two servers on one state folder, each pid 1
// in its own PID namespace (two containers on one volume): one receives, the other takes no
// messages and says why in one line. A pid-only lock of an earlier version naming a live unrelated
// process (a reused pid) does not block for ever. A server whose lock was removed stops taking
// messages and says so. Bounds are short here (MOLECULE_STATE_LEASE_MS); the default is 30 s.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { OWN_PID_NAMESPACE, pidNamespaces } from "@internal/test-utils";
import { BIN, channelText, connectStdio, isChannel, structured, tempDir } from "./helpers.js";
import type { StdioSession } from "./helpers.js";

// Short, yet well above a busy 2-core machine's event-loop stalls (a holder refreshes every sixth).
const LEASE_MS = "2000";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function platformFor(): Promise<TestPlatform> {
  const platform = await startTestPlatform({ name: "host" });
  cleanups.push(() => platform.close());
  return platform;
}

function stateDir(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

async function session(env: Record<string, string>, wrap: string[] = []): Promise<StdioSession> {
  const s = await connectStdio(env, [], wrap);
  cleanups.push(async () => void (await s.close()));
  return s;
}

interface Info {
  workspaces: { status: string; delivery: string | null; problem: string | null }[];
}
const info = async (s: StdioSession): Promise<Info["workspaces"][number]> =>
  structured<Info>(await s.client.callTool({ name: "workspace_info", arguments: {} }))
    .workspaces[0]!;

/** A peer that sends `text` to `platform`'s workspace (no answer awaited). */
async function sendFromPeer(platform: TestPlatform, text: string): Promise<void> {
  const peer = await platform.addWorkspace("peer");
  const asker = new RemoteAgent({ client: peer.client(), handler: () => undefined, logger: {} });
  await asker.start();
  cleanups.push(() => asker.stop());
  await asker.callPeer(platform.workspace.id, text, { awaitReply: false });
}

describe.skipIf(!pidNamespaces)(
  "two containers on one volume (PID namespaces by unshare; needs root)",
  () => {
    it("two servers, each pid 1, on one state folder: one receives, the other takes no messages and says why", async () => {
      const platform = await platformFor();
      const dir = stateDir();
      const env = {
        ...platform.workspace.env,
        MOLECULE_MCP_STATE_DIR: dir,
        MOLECULE_STATE_LEASE_MS: LEASE_MS,
      };
      const first = await session(env, [...OWN_PID_NAMESPACE]);
      const second = await session(env, [...OWN_PID_NAMESPACE]);
      expect(await info(first)).toMatchObject({
        status: "online",
        delivery: "poll",
        problem: null,
      });
      const dup = await info(second);
      expect(dup.delivery).toBe("none");
      const folder = join(dir, platform.workspace.id);
      const problem = dup.problem!;
      expect(problem).toContain(
        `Another molecule-mcp already receives workspace ${platform.workspace.id}'s messages`,
      );
      expect(problem).toContain(`keeps its state in ${folder}:`);
      expect(problem).toContain(`the lock ${join(folder, "mcp-inbox.lock")} is held by`);
      expect(problem).toContain("(pid 1 there)");
      expect(problem).toContain("It is free when that agent stops, or 2 s after its last refresh");
      expect(problem).not.toContain("\n");
      expect(second.stderr()).toContain(problem);
      // The duplicate warning reaches the host as a log message too.
      const logged = await second.notes.next((n) => n.method === "notifications/message");
      expect(logged.params["data"]).toBe(problem);

      await sendFromPeer(platform, "only once");
      const note = await first.notes.next((n) => isChannel(n) && channelText(n) === "only once");
      expect(channelText(note)).toBe("only once");
      const unread = structured<{ messages: unknown[] }>(
        await second.client.callTool({ name: "read_inbox", arguments: {} }),
      );
      expect(unread.messages).toEqual([]);
    });
  },
);

describe("a server killed with SIGKILL", () => {
  it("frees the inbox within the lease bound: the next server receives", async () => {
    const platform = await platformFor();
    const dir = stateDir();
    const env = {
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: dir,
      MOLECULE_STATE_LEASE_MS: LEASE_MS,
    };
    const killed = await session(env);
    expect(await info(killed)).toMatchObject({ delivery: "poll", problem: null });
    // oxlint-disable-next-line unicorn/prefer-add-event-listener -- an MCP client's only hook
    const gone = new Promise<void>((resolve) => (killed.client.onclose = resolve));
    process.kill(killed.pid, "SIGKILL");
    await gone;
    const next = await session(env);
    expect(await info(next)).toMatchObject({ status: "online", delivery: "poll", problem: null });
    await sendFromPeer(platform, "after the kill");
    const note = await next.notes.next((n) => isChannel(n) && channelText(n) === "after the kill");
    expect(note).toBeDefined();
  });
});

describe("a stale lock of an earlier version", () => {
  it("naming a live unrelated process (a reused pid): taken after the bound, not refused for ever", async () => {
    const platform = await platformFor();
    const dir = stateDir();
    const folder = join(dir, platform.workspace.id);
    const lock = join(folder, "mcp-inbox.lock");
    mkdirSync(folder, { recursive: true });
    writeFileSync(lock, `${process.pid}\n`); // this test's process: alive, and no MCP server
    const mcp = await session({
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: dir,
      MOLECULE_STATE_LEASE_MS: LEASE_MS,
    });
    expect(await info(mcp)).toMatchObject({ status: "online", delivery: "poll", problem: null });
    expect(mcp.stderr()).toContain(
      `the lock ${lock} is held by process ${process.pid}, of an SDK version that locked by pid only: waiting up to 2 s`,
    );
    const held = JSON.parse(readFileSync(lock, "utf8")) as { v: number; holder: string };
    expect(held).toMatchObject({ v: 2, holder: expect.stringMatching(/^[0-9a-f]{32}$/) });

    await sendFromPeer(platform, "after the stale lock");
    const note = await mcp.notes.next(
      (n) => isChannel(n) && channelText(n) === "after the stale lock",
    );
    expect(note).toBeDefined();
  });
});

describe("a server whose inbox lock is gone while it runs", () => {
  it("stops taking messages, tells the host, and workspace_info says why", async () => {
    const platform = await platformFor();
    const dir = stateDir();
    const mcp = await session({
      ...platform.workspace.env,
      MOLECULE_MCP_STATE_DIR: dir,
      MOLECULE_STATE_LEASE_MS: LEASE_MS,
    });
    expect(await info(mcp)).toMatchObject({ status: "online", problem: null });
    rmSync(join(dir, platform.workspace.id, "mcp-inbox.lock"));
    const ended = await mcp.notes.next(
      (n) => isChannel(n) && String(n.params["content"]).includes("stopped after an error"),
    );
    expect(ended).toBeDefined();
    const now = await info(mcp);
    expect(now.status).toBe("error");
    expect(now.problem).toContain(
      `no longer holds its state folder ${join(dir, platform.workspace.id)}`,
    );
  });
});

describe("a state folder that cannot be used", () => {
  it("ends the start with one line naming the folder and MOLECULE_MCP_STATE_DIR", async () => {
    const platform = await platformFor();
    const file = join(stateDir(), "a-file");
    writeFileSync(file, "not a folder");
    const child = spawn(process.execPath, [BIN], {
      env: {
        PATH: process.env["PATH"] ?? "",
        ...platform.workspace.env,
        MOLECULE_MCP_STATE_DIR: file,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      `molecule mcp: could not start: cannot use the state folder ${join(file, platform.workspace.id)} of workspace ${platform.workspace.id}'s inbox or its lock mcp-inbox.lock (ENOTDIR): set MOLECULE_MCP_STATE_DIR (--state-dir) to a folder this user can write.`,
    ]);
  });
});
