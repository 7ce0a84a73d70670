// The reply outbox against the emulator: a dead caller slows no one, a reply that cannot be
// delivered is dead-lettered as a reply failure, and answers survive a stop or a kill -9.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, waitFor } from "@internal/test-utils";
import { FileCursorStore, MoleculeReplyError, PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundMessage } from "../src/index.js";
import { answersIn } from "./fixtures/inbox.js";

const CHILD = fileURLToPath(new URL("./fixtures/agent-outbox-child.mjs", import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

let emu: Emulator;

async function setup(): Promise<void> {
  emu = await startEmulator();
  cleanups.push(() => emu.close());
}

async function workspace(
  name: string,
): Promise<{ id: string; token: string; client: PlatformClient }> {
  // For poll, as external agents are created (August creates push, and a push workspace with no
  // URL takes calls and replies only through the platform's queue until its agent registers).
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return { id: w.id, token, client };
}

/** A push workspace whose registered URL refuses connections. */
async function deadPushCaller(): Promise<{ id: string; client: PlatformClient }> {
  const w = await workspace("dead-caller");
  const url = `http://localhost:${await freePort()}`;
  await w.client.register({ url, agentCard: { name: "dead" }, deliveryMode: "push" });
  return w;
}

describe("reply outbox", () => {
  it("a dead caller's failing reply holds no handler slot: a healthy sender is answered meanwhile", async () => {
    await setup();
    const b = await workspace("b");
    const healthy = await workspace("healthy");
    const dead = await deadPushCaller();
    const handled: InboundMessage[] = [];
    const letters: Array<[InboundMessage, unknown]> = [];
    const agent = new RemoteAgent({
      client: b.client,
      concurrency: 1, // one slot: a reply retried inside it would block everyone
      retryBaseMs: 60_000, // the dead caller's reply waits a minute for its retry
      drainTimeoutMs: 100,
      onDeadLetter: (m, e) => void letters.push([m, e]),
      handler: (m) => {
        handled.push(m);
        return `answer to ${m.text}`;
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await dead.client.callPeer(b.id, "from the dead caller");
    await waitFor(() => handled.length === 1, { timeoutMs: 15_000 });
    await waitFor(() => agent.pendingReplies === 1); // its reply failed and waits to retry
    const fromHealthy = await healthy.client.callPeer(b.id, "from a healthy sender");
    await waitFor(() => answersIn(emu, healthy.id).get(fromHealthy.messageId) === 1, {
      timeoutMs: 15_000,
    });
    // The healthy answer leaves the outbox; the dead caller's stays queued for its retry.
    await waitFor(() => agent.pendingReplies === 1);
    expect(handled.map((m) => m.text)).toEqual(["from the dead caller", "from a healthy sender"]);
    // Stopping with the default store: the unsent answer stays in it for the next start, which
    // sends it again (under the same messageId) without running the handler.
    await agent.stop();
    expect(letters).toHaveLength(0);
    const again = new RemoteAgent({
      client: b.client,
      retryBaseMs: 60_000,
      drainTimeoutMs: 100,
      handler: (m) => void handled.push(m),
    });
    cleanups.push(() => again.stop());
    await again.start();
    expect(again.pendingReplies).toBe(1);
    await again.stop();
    expect(handled).toHaveLength(2);
  });

  it("dead-letters a reply the platform refuses for good (its sender purged: the platform says not allowed) at once, naming the reply; the handler ran once", async () => {
    await setup();
    const b = await workspace("b");
    const dead = await deadPushCaller();
    let runs = 0;
    const letters: unknown[] = [];
    const agent = new RemoteAgent({
      client: b.client,
      retryBaseMs: 5,
      maxAttempts: 3,
      onDeadLetter: (_m, e) => void letters.push(e),
      handler: () => {
        runs++;
        return "an answer nobody can receive";
      },
    });
    cleanups.push(() => agent.stop());
    await dead.client.callPeer(b.id, "hello");
    await emu.admin.deleteWorkspace(dead.id, { purge: true }); // the sender is gone for good
    await agent.start();
    await waitFor(() => letters.length === 1, { timeoutMs: 15_000 });
    const err = letters[0] as MoleculeReplyError;
    expect(err).toBeInstanceOf(MoleculeReplyError);
    expect(err).toMatchObject({ code: "reply_failed", retryable: false });
    expect(err.message).toMatch(
      /reply .* could not be delivered after 1 attempt\(s\) \(the platform refused it for good\)/,
    );
    expect(err.message).toContain("handler succeeded");
    expect(err.message).not.toContain(b.token);
    expect(runs).toBe(1);
    expect(agent.pendingReplies).toBe(0);
  });

  it("keeps an answer through the platform's transient refusals (5xx, its rate limit) past maxAttempts, and delivers it once", async () => {
    await setup();
    const b = await workspace("b");
    const asker = await workspace("asker");
    const letters: unknown[] = [];
    const failures: Array<number | undefined> = [];
    const agent = new RemoteAgent({
      client: b.client,
      retryBaseMs: 5,
      maxAttempts: 3,
      onDeadLetter: (_m, e) => void letters.push(e),
      handler: (m) => `answer to ${m.text}`,
    });
    agent.on("replyFailed", (e) => void failures.push(e.retryInMs));
    cleanups.push(() => agent.stop());
    // Twice maxAttempts of 503s, then the limiter's refusals (each sent again by the transport
    // when the platform says: 0 = the next second), then the platform answers.
    emu.injectFault({ method: "POST", path: `/workspaces/${asker.id}/a2a`, status: 503, count: 6 });
    await agent.start();
    const sent = await asker.client.callPeer(b.id, "q1");
    await waitFor(() => failures.length >= 6, { timeoutMs: 30_000 });
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${asker.id}/a2a`,
      status: 429,
      body: { error: "rate limit exceeded", retry_after: 0 },
      headers: { "Retry-After": "0" },
      count: 2,
    });
    await waitFor(() => answersIn(emu, asker.id).get(sent.messageId) === 1, { timeoutMs: 30_000 });
    expect(letters).toHaveLength(0);
    expect(failures.every((ms) => ms !== undefined)).toBe(true); // never the last attempt
    await waitFor(() => agent.pendingReplies === 0);
  }, 60_000);

  it("an answer finished while the platform is down (a restart) is delivered when it is back, not dead-lettered", async () => {
    await setup();
    const b = await workspace("b");
    const asker = await workspace("asker");
    const letters: unknown[] = [];
    const failures: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const agent = new RemoteAgent({
      client: b.client,
      retryBaseMs: 5,
      maxAttempts: 3,
      onDeadLetter: (_m, e) => void letters.push(e),
      handler: async (m) => {
        started();
        await gate; // finishes while the platform is away
        return `answer to ${m.text}`;
      },
    });
    agent.on("replyFailed", (e) => void failures.push(e.error));
    cleanups.push(() => agent.stop());
    await agent.start();
    const sent = await asker.client.callPeer(b.id, "during the restart");
    await running;
    await emu.stopListening();
    release();
    // More failed attempts than maxAttempts while it is away: none of them is the last.
    await waitFor(() => failures.length > 3, { timeoutMs: 60_000 });
    await emu.listenAgain();
    await waitFor(() => answersIn(emu, asker.id).get(sent.messageId) === 1, { timeoutMs: 60_000 });
    expect(letters).toHaveLength(0);
  }, 120_000);

  it("keeps an unsent answer in the file store across a restart and sends it once, without re-running the handler", async () => {
    await setup();
    const dir = await mkdtemp(join(tmpdir(), "outbox-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const b = await workspace("b");
    const a = await workspace("a");
    await a.client.register({ agentCard: { name: "a" }, deliveryMode: "poll" });
    const unblock = emu.injectFault({
      method: "POST",
      path: `/workspaces/${a.id}/a2a`,
      status: 503,
      count: 1_000,
    });
    let runs = 0;
    const options = {
      cursorStore: new FileCursorStore(join(dir, "cursor")),
      retryBaseMs: 60_000,
      drainTimeoutMs: 50,
      handler: (m: InboundMessage) => {
        runs++;
        return `answer to ${m.text}`;
      },
    };
    const first = new RemoteAgent({ client: b.client, ...options });
    cleanups.push(() => first.stop());
    await first.start();
    const q = await a.client.callPeer(b.id, "question");
    await waitFor(() => runs === 1 && first.pendingReplies === 1, { timeoutMs: 15_000 });
    await first.stop();
    // What the store saved (its sidecar and journal), as a restarted agent reads it.
    const sidecar = (await new FileCursorStore(join(dir, "cursor")).load())!;
    expect(sidecar.outbox).toHaveLength(1);
    expect(sidecar.outbox![0]).toMatchObject({
      text: "answer to question",
      to: { messageId: q.messageId },
    });
    expect(sidecar.inFlight).toBeUndefined(); // the message is settled: only its answer is pending
    unblock();

    const second = new RemoteAgent({
      client: b.client,
      ...options,
      cursorStore: new FileCursorStore(join(dir, "cursor")),
    });
    cleanups.push(() => second.stop());
    await second.start();
    await waitFor(() => answersIn(emu, a.id).get(q.messageId) === 1, { timeoutMs: 15_000 });
    expect(await second.flushReplies(5_000)).toBe(true);
    await second.stop();
    expect(runs).toBe(1);
    const sent = emu
      .activity(a.id)
      .map(
        (r) => (r["request_body"] as { params: { message: { messageId: string } } }).params.message,
      );
    expect(sent.map((m) => m.messageId)).toEqual([sidecar.outbox![0]!.id]);
    const after = (await new FileCursorStore(join(dir, "cursor")).load())!;
    expect(after.outbox).toBeUndefined();
  });

  it("a delivered answer leaves the stored outbox on its own while the agent runs idle (no stop, no flush, no other message)", async () => {
    await setup();
    const dir = await mkdtemp(join(tmpdir(), "outbox-trim-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const b = await workspace("b");
    const a = await workspace("a");
    await a.client.register({ agentCard: { name: "a" }, deliveryMode: "poll" });
    const path = join(dir, "cursor");
    const agent = new RemoteAgent({
      client: b.client,
      cursorStore: new FileCursorStore(path),
      handler: (m: InboundMessage) => `answer to ${m.text}`,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const q = await a.client.callPeer(b.id, "question");
    await waitFor(() => answersIn(emu, a.id).get(q.messageId) === 1, { timeoutMs: 15_000 });
    // The answer was in the outbox written with its message's settle; the delivery's own write
    // comes with the next write, or on its own within a second when there is none.
    let stored: Record<string, unknown> | undefined;
    await waitFor(
      async () => {
        stored = await savedState(path);
        return stored !== undefined && stored["outbox"] === undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(agent.pendingReplies).toBe(0);
    expect(stored?.["inFlight"]).toBeUndefined();
  });
});

function startChild(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, ready };
}

/** What the file store at `path` saved (sidecar and journal), as a restarted agent reads it. */
async function savedState(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await new FileCursorStore(path).load()) as Record<string, unknown> | undefined;
  } catch {
    return undefined;
  }
}

describe("kill -9 with answers in the outbox", () => {
  it("restarts and sends every queued answer once; no handler runs again", async () => {
    await setup();
    const dir = await mkdtemp(join(tmpdir(), "outbox-kill-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const b = await workspace("b");
    const a = await workspace("a");
    await a.client.register({ agentCard: { name: "a" }, deliveryMode: "poll" });
    const unblock = emu.injectFault({
      method: "POST",
      path: `/workspaces/${a.id}/a2a`,
      status: 503,
      count: 10_000,
    });
    const ids = Array.from({ length: 8 }, () => randomUUID());
    for (const id of ids) await a.client.callPeer(b.id, `job ${id}`, { messageId: id });
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: b.id,
      WS_TOKEN: b.token,
      CURSOR_FILE: join(dir, "cursor"),
      LOG_FILE: join(dir, "handled.log"),
    };
    const first = startChild(env);
    await first.ready;
    // Every message handled and settled, every answer queued (its send failed): kill -9 now.
    await waitFor(
      async () => {
        const s = await savedState(env.CURSOR_FILE);
        return Array.isArray(s?.["outbox"]) && (s["outbox"] as unknown[]).length === ids.length;
      },
      { timeoutMs: 15_000 },
    );
    const exited = new Promise((r) => first.child.once("exit", r));
    first.child.kill("SIGKILL");
    await exited;
    expect(answersIn(emu, a.id).size).toBe(0);
    unblock();

    const second = startChild(env);
    await second.ready;
    await waitFor(() => answersIn(emu, a.id).size === ids.length, { timeoutMs: 15_000 });
    const ended = new Promise((r) => second.child.once("exit", r));
    second.child.kill("SIGTERM");
    expect(await ended).toBe(0);
    const handled = (await readFile(env.LOG_FILE, "utf8")).split("\n").filter(Boolean);
    expect(handled.toSorted()).toEqual(ids.toSorted()); // each handler ran exactly once
    expect([...answersIn(emu, a.id).values()].every((n) => n === 1)).toBe(true);
  });
});
