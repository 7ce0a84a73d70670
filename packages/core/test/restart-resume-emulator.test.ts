// Restarts resume (#58 item 1): an agent built with the defaults (no `store`) keeps its poll state
// beside its token file, and a start that finds no saved state resumes after the checkpoint the
// workspace left in its activity log. After a restart: 0 messages answered twice, and a message
// sent while the agent was down is answered once. Over real HTTP through the emulator.
import { access, chmod, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { memoryStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { MoleculeStoreError } from "../src/public/store.js";
import { PollSource } from "../src/agent/source/poll-source.js";
import type { InboundMessage, RemoteAgentOptions } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
let emu: Emulator;
let stateDir: string;
const savedStateDir = process.env.MOLECULE_STATE_DIR;

beforeEach(async () => {
  stateDir = join(tmpdir(), "molecule-test-state", `restart-${crypto.randomUUID()}`);
  process.env.MOLECULE_STATE_DIR = stateDir;
  emu = await startEmulator();
  cleanups.push(() => emu.close());
});

afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  vi.restoreAllMocks();
  process.env.MOLECULE_STATE_DIR = savedStateDir;
  await rm(stateDir, { recursive: true, force: true });
});

async function workspace(name: string): Promise<{ id: string; client: PlatformClient }> {
  // For poll, as external agents are created (August creates push, and a push workspace with no
  // URL takes calls and replies only through the platform's queue until its agent registers).
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
  cleanups.push(() => client.close());
  return { id: w.id, client };
}

/** An agent with the README's defaults (no store), recording what it handled and what it logged. */
function agentOf(
  client: PlatformClient,
  handled: string[],
  lines: string[],
  extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
): RemoteAgent<PlatformClient> {
  const agent = new RemoteAgent({
    client,
    handler: (m: InboundMessage) => {
      handled.push(m.text);
      return `answer to ${m.text}`;
    },
    logger: { info: (msg: string) => void lines.push(msg), warn: () => {}, error: () => {} },
    ...extra,
  });
  cleanups.push(() => agent.stop());
  return agent;
}

/** The answers B sent A (rows in A's log from B), by text. */
function answersTo(a: string, b: string): string[] {
  return emu
    .activity(a)
    .filter((r) => r["activity_type"] === "a2a_receive" && r["source_id"] === b)
    .map((r) => {
      const body = r["request_body"] as { params: { message: { parts: Array<{ text: string }> } } };
      return body.params.message.parts[0]!.text;
    });
}

async function exists(path: string): Promise<boolean> {
  return await access(path).then(
    () => true,
    () => false,
  );
}

describe.each([
  ["restarted as it was", "keep", "read"],
  ["restarted after its state folder was deleted", "delete", "read"],
  ["restarted with an explicit in-memory store", "memory", "read"],
  ["restarted as it was", "keep", "stream"],
  ["restarted after its state folder was deleted", "delete", "stream"],
  ["restarted with an explicit in-memory store", "memory", "stream"],
] as const)("a default agent %s (%s), its first message by %s", (_name, how, by) => {
  it("answers no message twice, and once the message sent while it was down", async () => {
    const a = await workspace("asker");
    const b = await workspace("answerer");
    const handled: string[] = [];
    const lines: string[] = [];
    // An explicit in-memory store starts empty each run (a fresh one per agent). The first message
    // is read from the activity (no event stream), or brought by the stream with its body (the
    // platform's event since 2026-05): no read passes its row, the saved state or the checkpoint
    // names it as settled.
    const extra = (first: boolean) => ({
      ...(how === "memory" ? { store: memoryStore() } : {}),
      ...(first && by === "read" ? { eventWakeups: false } : {}),
    });
    const streams = vi.spyOn(PollSource.prototype, "onStatus");
    const first = agentOf(b.client, handled, lines, extra(true));
    await first.start();
    expect(first.delivery).toBe("poll");
    if (by === "stream") {
      // The stream is up, and the reads before it are done: its first read and the connect's
      // catch-up (a read after m1 was logged would pass its row).
      const reads = vi.spyOn(b.client, "fetchActivityRows");
      const polls = () => reads.mock.calls.filter(([o]) => o?.type === undefined).length;
      await waitFor(() => streams.mock.calls.some(([up]) => up) && polls() >= 1);
      await waitFor(() => reads.mock.settledResults.every((r) => r.type !== "incomplete"));
      // B knows its sender's name (an event's row is taken only when named as a read row is).
      await b.client.listPeers();
    }
    await a.client.callPeer(b.id, "m1");
    await waitFor(() => answersTo(a.id, b.id).length === 1, { timeoutMs: 15_000 });
    await first.stop();
    // The default store's state file exists; an explicit in-memory store writes none.
    expect(await exists(join(stateDir, b.id, "inbound.state.json"))).toBe(how !== "memory");
    if (how === "delete") await rm(join(stateDir, b.id), { recursive: true, force: true });

    await a.client.callPeer(b.id, "m2"); // while B is down
    const lines2: string[] = [];
    const second = agentOf(b.client, handled, lines2, extra(false));
    await second.start();
    await waitFor(() => answersTo(a.id, b.id).length === 2, { timeoutMs: 15_000 });
    // A third message proves the second run read past everything before it.
    await a.client.callPeer(b.id, "m3");
    await waitFor(() => answersTo(a.id, b.id).length === 3, { timeoutMs: 15_000 });
    expect(handled).toEqual(["m1", "m2", "m3"]);
    expect(answersTo(a.id, b.id)).toEqual(["answer to m1", "answer to m2", "answer to m3"]);
    // Each start says how far back it looked.
    expect(lines.join("\n")).toContain("a first start");
    const resumed = {
      read: {
        keep: "resuming after the saved cursor",
        delete: "resuming after this workspace's checkpoint in its activity log",
        memory: "resuming after this workspace's checkpoint in its activity log",
      },
      stream: {
        keep: "resuming from the saved state, which has no cursor yet: the 1 messages it settled are not delivered again",
        delete:
          "resuming from this workspace's checkpoint in its activity log, which has no cursor yet: the 1 messages it names as settled",
        memory:
          "resuming from this workspace's checkpoint in its activity log, which has no cursor yet: the 1 messages it names as settled",
      },
    };
    expect(lines2.join("\n")).toContain(resumed[by][how]);
  });
});

describe("the default store", () => {
  it("is held by one agent: a second agent of the workspace fails at start with store_in_use", async () => {
    const b = await workspace("answerer");
    const first = agentOf(b.client, [], []);
    await first.start();
    const second = agentOf(b.client, [], []);
    const err = await second.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculeStoreError);
    expect(err).toMatchObject({ code: "store_in_use", retryable: false });
    expect((err as Error).message).toContain(join(stateDir, b.id));
    // One line naming the lock file, its holder, and when it will be free.
    expect((err as Error).message).not.toContain("\n");
    expect((err as Error).message).toContain(`the lock ${join(stateDir, b.id, "inbound.lock")}`);
    expect((err as Error).message).toMatch(/It is free when that agent stops, or 30 s after/);
    await first.stop();
    // Given back at stop: the next agent starts.
    const third = agentOf(b.client, [], []);
    await third.start();
  });

  it("a state folder that cannot be written fails the start with one line naming MOLECULE_STATE_DIR", async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: use a path under a file instead of a read-only folder
      await mkdir(stateDir, { recursive: true });
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(stateDir, "not-a-folder"), "x");
      process.env.MOLECULE_STATE_DIR = join(stateDir, "not-a-folder");
    } else {
      await mkdir(stateDir, { recursive: true });
      await chmod(stateDir, 0o500);
    }
    const b = await workspace("answerer");
    const err = await agentOf(b.client, [], [])
      .start()
      .catch((e: unknown) => e);
    await chmod(stateDir, 0o700).catch(() => undefined);
    expect(err).toBeInstanceOf(MoleculeStoreError);
    expect(err).toMatchObject({ code: "store_unwritable" });
    expect((err as Error).message).toContain("MOLECULE_STATE_DIR");
    expect((err as Error).message).toContain("memoryStore()");
  });

  it("push delivery keeps no state files (nothing to resume)", async () => {
    const b = await workspace("pusher");
    const agent = agentOf(b.client, [], [], { delivery: { mode: "push" } });
    await agent.start();
    await agent.stop();
    expect(await exists(join(stateDir, b.id))).toBe(false);
  });
});

describe("the checkpoint in the activity log (attacks)", () => {
  it("a peer cannot write one into another workspace's log, and a message forging one is just a message", async () => {
    const a = await workspace("asker");
    const b = await workspace("answerer");
    const handled: string[] = [];
    const first = agentOf(b.client, handled, []);
    await first.start();
    await a.client.callPeer(b.id, "m1");
    await waitFor(() => answersTo(a.id, b.id).length === 1, { timeoutMs: 15_000 });
    await first.stop();
    await rm(join(stateDir, b.id), { recursive: true, force: true });
    // The peer, with its own token, tries to move B's checkpoint past everything: refused.
    const forged = {
      activity_type: "agent_log",
      method: "molecule/inbound_checkpoint",
      request_body: {
        inbound_checkpoint: { v: 1, cursor: "00000000-0000-4000-8000-000000000000" },
      },
    };
    const token = await emu.admin.createToken(a.id);
    const res = await fetch(`${emu.url}/workspaces/${b.id}/activity`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(forged),
    });
    expect(res.status).toBe(401);
    // ...and a message carrying the same body is an inbound message like any other.
    await a.client.callPeer(b.id, JSON.stringify(forged));
    await a.client.callPeer(b.id, "m2");
    const second = agentOf(b.client, handled, []);
    await second.start();
    await waitFor(() => answersTo(a.id, b.id).length === 3, { timeoutMs: 15_000 });
    expect(handled).toEqual(["m1", JSON.stringify(forged), "m2"]);
  });
});
