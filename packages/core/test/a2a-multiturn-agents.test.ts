// A multi-turn task between two RemoteAgents through the emulator's proxy, whatever the callee's
// delivery: the callee's handler asks a question (`askForInput`), the caller's `callPeer` returns
// `input-required` with the question and the task's id, the caller answers by that `taskId`, and
// the same handler receives the answer as a continuation of the task (`msg.taskId`), which then
// completes under the same id. On poll delivery the question and the answer travel as activity
// rows (the task in the reply's metadata); a `taskId` the callee does not hold for that caller is
// refused like the A2A server refuses it (-32001).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { askForInput } from "../src/adapters/index.js";
import {
  fileStore,
  memoryStore,
  MoleculePeerError,
  PlatformClient,
  RemoteAgent,
} from "../src/index.js";
import type { InboundMessage, PeerCallResult, RemoteAgentOptions } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

let emu: Emulator;

async function workspace(name: string): Promise<{ id: string; client: PlatformClient }> {
  const w = await emu.admin.createWorkspace({ name });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return { id: w.id, client };
}

async function run(
  client: PlatformClient,
  mode: "push" | "poll",
  handler: RemoteAgentOptions<PlatformClient>["handler"],
  extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
): Promise<RemoteAgent<PlatformClient>> {
  const a = new RemoteAgent({
    client,
    handler,
    logger: {},
    pollIntervalMs: 100,
    delivery: mode === "push" ? { mode: "push", port: 0 } : "poll",
    ...extra,
  });
  cleanups.push(() => a.stop());
  await a.start();
  expect(a.delivery).toBe(mode);
  return a;
}

async function agent(
  name: string,
  mode: "push" | "poll",
  handler: RemoteAgentOptions<PlatformClient>["handler"],
): Promise<{ id: string; agent: RemoteAgent<PlatformClient> }> {
  const w = await workspace(name);
  return { id: w.id, agent: await run(w.client, mode, handler) };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "multiturn-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The weather agent: asks for the city, then answers in the same task. */
function weather(seen: InboundMessage[]) {
  return (msg: InboundMessage): string => {
    seen.push(msg);
    return msg.taskId === undefined ? askForInput(msg, "Which city?") : `Sunny in ${msg.text}`;
  };
}

const cases = [
  { caller: "poll", callee: "push" },
  { caller: "poll", callee: "poll" },
  { caller: "push", callee: "poll" },
] as const;

describe("a multi-turn task between two RemoteAgents through the proxy", () => {
  for (const { caller, callee } of cases) {
    it(`${caller} caller, ${callee} callee: input-required, answered by taskId, completed`, async () => {
      emu = await startEmulator();
      cleanups.push(() => emu.close());
      const seen: InboundMessage[] = [];
      const b = await agent("weather", callee, weather(seen));
      const a = await agent("caller", caller, () => undefined);

      const first = await a.agent.callPeer(b.id, "What is the weather?", { timeoutMs: 20_000 });
      expect(first.status).toBe("input-required");
      if (first.status !== "input-required") return;
      expect(first.text).toContain("Which city?");
      expect(first.taskId).toBeTruthy();
      expect(first.contextId).toBeTruthy();

      const done = await a.agent.callPeer(b.id, "Paris", {
        taskId: first.taskId!,
        contextId: first.contextId!,
        timeoutMs: 20_000,
      });
      expect(done.status).toBe("completed");
      if (done.status !== "completed") return;
      expect(done.text).toContain("Sunny in Paris");
      expect(idOf(done)).toBe(first.taskId);
      expect(seen.map((m) => [m.text, m.taskId])).toEqual([
        ["What is the weather?", undefined],
        ["Paris", first.taskId],
      ]);
      expect(seen[1]!.contextId).toBe(first.contextId);

      // The task is finished: a further message to it is refused, and so is a task never asked.
      for (const taskId of [first.taskId!, crypto.randomUUID()]) {
        const refused = await a.agent.callPeer(b.id, "Lyon", { taskId, timeoutMs: 20_000 }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(refused).toBeInstanceOf(MoleculePeerError);
        expect((refused as MoleculePeerError).code).toBe("peer_rpc_error");
      }
      expect(seen).toHaveLength(2);
    });
  }
});

describe("a question sent again is the same task", () => {
  it("push: a resend of the question's message (same process, then after a restart) gets the same task", async () => {
    emu = await startEmulator();
    cleanups.push(() => emu.close());
    const seen: InboundMessage[] = [];
    const b = await workspace("weather");
    const a = await workspace("caller");
    const cursor = join(await tempDir(), "cursor");
    const first = await run(b.client, "push", weather(seen), { store: fileStore(cursor) });
    const messageId = crypto.randomUUID();
    const ask = async () => await a.client.callPeer(b.id, "What is the weather?", { messageId });
    const asked = await ask();
    expect(asked.status).toBe("input-required");
    const again = await ask(); // the proxy's retry, or the caller's own resend
    expect([again.status, idOf(again)]).toEqual(["input-required", idOf(asked)]);
    await first.stop();
    await run(b.client, "push", weather(seen), { store: fileStore(cursor) });
    const restarted = await ask();
    expect([restarted.status, idOf(restarted)]).toEqual(["input-required", idOf(asked)]);
    const done = await a.client.callPeer(b.id, "Oslo", {
      taskId: idOf(asked)!,
      contextId: contextOf(asked)!,
    });
    expect([done.status, idOf(done)]).toEqual(["completed", idOf(asked)]);
  });

  it("poll: a question left in the reply outbox by a stopped agent is re-sent as the task", async () => {
    emu = await startEmulator();
    cleanups.push(() => emu.close());
    const seen: InboundMessage[] = [];
    const b = await workspace("weather");
    const a = await workspace("caller");
    const caller = await run(a.client, "poll", () => undefined);
    const cursor = join(await tempDir(), "cursor");
    // The question cannot reach the caller while the first run lives: it stays in the outbox.
    const unblock = emu.injectFault({
      method: "POST",
      path: `/workspaces/${a.id}/a2a`,
      status: 503,
      count: 1_000,
    });
    const options = { store: fileStore(cursor), retryBaseMs: 60_000, drainTimeoutMs: 50 };
    const first = await run(b.client, "poll", weather(seen), options);
    const asking = caller.callPeer(b.id, "What is the weather?", { timeoutMs: 30_000 });
    await waitFor(() => first.pendingReplies === 1, { timeoutMs: 15_000 });
    await first.stop();
    unblock();
    await run(b.client, "poll", weather(seen), { ...options, store: fileStore(cursor) });
    const asked = await asking;
    expect(asked.status).toBe("input-required");
    expect(idOf(asked)).toBeTruthy();
    const done = await caller.callPeer(b.id, "Rome", {
      taskId: idOf(asked)!,
      contextId: contextOf(asked)!,
      timeoutMs: 20_000,
    });
    expect([done.status, idOf(done)]).toEqual(["completed", idOf(asked)]);
    expect(seen.map((m) => m.text)).toEqual(["What is the weather?", "Rome"]);
  });
});

/** The task id of a peer call's result, if it names one. */
function idOf(r: PeerCallResult): string | undefined {
  return r.status === "queued" ? undefined : r.taskId;
}

/** The contextId of a peer call's result, if it names one. */
function contextOf(r: PeerCallResult): string | undefined {
  return r.status === "queued" ? undefined : r.contextId;
}

/** A task store call while the database is down. */
function down(): never {
  throw new Error("database down");
}

describe("a poll agent whose task store fails", () => {
  it("refuses a continuation with a retryable -32603 and runs no handler; the failure is logged", async () => {
    emu = await startEmulator();
    cleanups.push(() => emu.close());
    const seen: InboundMessage[] = [];
    const errors: string[] = [];
    const b = await workspace("weather");
    const store = { ...memoryStore(), tasks: { get: down, save: down, cancel: down } };
    await run(b.client, "poll", weather(seen), {
      store,
      logger: { error: (msg: string) => void errors.push(msg) },
    });
    const a = await agent("caller", "poll", () => undefined);
    const refused = await a.agent
      .callPeer(b.id, "Paris", { taskId: crypto.randomUUID(), timeoutMs: 20_000 })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(MoleculePeerError);
    expect(refused).toMatchObject({ code: "peer_rpc_error", rpcCode: -32603, retryable: true });
    expect(seen).toHaveLength(0);
    expect(errors).toContain("the task store could not be read for a continued task");
  });
});
