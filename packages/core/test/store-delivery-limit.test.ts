// The delivery limit of the single-process stores (`maxDeliveries`): a message handed to a handler
// that never settles (here: the agent stops with the handler still running, every time) is counted
// in the store across new agents on it, then dead-lettered instead of run again: a `deadLettered`
// event (reason "delivery_limit") once, `store.deadLetters()` lists it, and a push sender gets a
// JSON-RPC error instead of another run. Real HTTP against the emulator. (kill -9 with the file
// store: store-delivery-limit-kill.test.ts.)
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import type { A2ASendAnswer as RpcAnswer } from "@internal/test-utils";
import { PlatformClient, RemoteAgent, fileStore, memoryStore } from "../src/index.js";
import type { AgentEvent, InboundMessage } from "../src/index.js";
import { MoleculeDeliveryLimitError } from "../src/public/store.js";
import type { LocalStore } from "../src/public/store.js";
import { platformSend } from "./fixtures/platform-send.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => await emu.close());

/** What one agent run saw: handler starts, dead letters, and a promise of its first handler start. */
interface Run {
  agent: RemoteAgent<PlatformClient>;
  started: string[];
  /** `ctx.redelivered` of each handler start. */
  flags: boolean[];
  dead: Array<Extract<AgentEvent, { type: "deadLettered" }>>;
  handled: string[];
  firstStart: Promise<void>;
}

/** An agent on `store` whose handler never finishes "poison" (it ends only when aborted). */
function agentOn(
  store: LocalStore,
  ws: { id: string; token?: string | undefined },
  push: boolean,
): Run {
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  let onStart!: () => void;
  const run: Run = {
    agent: undefined as never,
    started: [],
    flags: [],
    dead: [],
    handled: [],
    firstStart: new Promise<void>((r) => (onStart = r)),
  };
  run.agent = new RemoteAgent({
    client,
    store,
    pollIntervalMs: 50,
    drainTimeoutMs: 50, // stop() aborts the stuck handler quickly: the delivery never settles
    logger: {},
    ...(push
      ? {
          register: false,
          delivery: { mode: "push", server: false, publicUrl: "http://agent.example/a2a" },
        }
      : { delivery: "poll" }),
    onDeadLetter: () => undefined,
    handler: async (msg: InboundMessage, ctx) => {
      if (msg.text !== "poison") {
        run.handled.push(msg.text);
        return `ok ${msg.text}`;
      }
      run.started.push(msg.messageId!);
      run.flags.push(ctx.redelivered);
      onStart();
      await new Promise((_, reject) =>
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }),
      );
    },
  });
  run.agent.on("deadLettered", (e) => void run.dead.push(e));
  return run;
}

/** `message/send` to `run`'s push endpoint with the platform's bearer (its client's, from start). */
async function send(run: Run, url: string, messageId: string, text: string): Promise<RpcAnswer> {
  return await platformSend(url, run.agent.client.files.inboundSecret!, messageId, text);
}

async function serve(run: Run): Promise<{ url: string; server: Server }> {
  const handler = run.agent.createPushHandler({ basePath: "/a2a", pathSecret: false });
  const server = createServer((req, res) => void handler.handleNode(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/a2a`, server };
}

describe("maxDeliveries, single-process stores", () => {
  it("rejects a bad maxDeliveries with a typed error", () => {
    expect(() => memoryStore({ maxDeliveries: 0 })).toThrow(/maxDeliveries must be a positive/);
    expect(() => fileStore("./x", { maxDeliveries: 1.5 })).toThrow(
      expect.objectContaining({ code: "invalid_option", option: "maxDeliveries" }),
    );
    expect(memoryStore().maxDeliveries).toBe(5);
  });

  it("poll (memory store): dead-lettered after maxDeliveries unsettled deliveries, once", async () => {
    // For poll, as external agents are created (August creates push: calls to it wait in the platform's queue).
    const ws = await emu.admin.createWorkspace({ name: "poisoned-poll", deliveryMode: "poll" });
    const s = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token! });
    const store = memoryStore({ maxDeliveries: 2 });
    const poison = randomUUID();
    await peer.callPeer(ws.id, "poison", { messageId: poison });
    const flags: boolean[] = [];
    for (let i = 0; i < 2; i++) {
      const run = agentOn(store, ws, false);
      await run.agent.start();
      await run.firstStart; // the handler runs it; the agent stops before it settles
      await run.agent.stop();
      await run.agent.client.close();
      flags.push(...run.flags);
    }
    expect(flags).toEqual([false, true]);
    const last = agentOn(store, ws, false);
    await last.agent.start();
    await waitFor(() => last.dead.length === 1, { timeoutMs: 30_000 });
    await peer.callPeer(ws.id, "after", { messageId: randomUUID() }); // delivery goes on
    await waitFor(() => last.handled.includes("after"), { timeoutMs: 30_000 });
    await last.agent.stop();
    await last.agent.client.close();
    await peer.close();
    expect(last.started).toEqual([]); // not run a third time
    expect(last.dead[0]!.reason).toBe("delivery_limit");
    const error = last.dead[0]!.error as MoleculeDeliveryLimitError;
    expect(error).toBeInstanceOf(MoleculeDeliveryLimitError);
    expect(error).toMatchObject({ code: "delivery_limit", retryable: false, deliveries: 2 });
    expect(error.messageId).toBe(poison);
    expect(await store.deadLetters()).toMatchObject([
      { delivery: "poll", messageId: poison, deliveries: 2 },
    ]);
    // A new agent on the store: the cursor is past it, it is neither run nor reported again.
    const again = agentOn(store, ws, false);
    await again.agent.start();
    await again.agent.stop();
    await again.agent.client.close();
    expect([again.started, again.dead]).toEqual([[], []]);
  });

  it("push (memory store): the sender gets a JSON-RPC error instead of a sixth run", async () => {
    const ws = await emu.admin.createWorkspace({ name: "poisoned-push" });
    const store = memoryStore(); // default maxDeliveries: 5
    const poison = randomUUID();
    const answers: RpcAnswer[] = [];
    for (let i = 0; i < 5; i++) {
      const run = agentOn(store, ws, true);
      await run.agent.start();
      const { url, server } = await serve(run);
      const sent = send(run, url, poison, "poison");
      await run.firstStart;
      await run.agent.stop(); // the handler is aborted: the message was not settled
      answers.push(await sent);
      await new Promise((r) => server.close(r));
      await run.agent.client.close();
    }
    // Each aborted run answered a retryable error (the agent stopped), never a result.
    expect(answers.every((a) => a.error !== undefined && a.result === undefined)).toBe(true);
    const last = agentOn(store, ws, true);
    await last.agent.start();
    const { url, server } = await serve(last);
    try {
      const dead = await send(last, url, poison, "poison");
      expect(dead.error).toMatchObject({
        code: -32603,
        data: { code: "delivery_limit", retryable: false, deliveries: 5 },
      });
      expect(dead.error!.message).toMatch(/dead-lettered.*do not resend/);
      const again = await send(last, url, poison, "poison"); // same answer, reported once
      expect(again.error?.data?.code).toBe("delivery_limit");
      expect(await send(last, url, randomUUID(), "fine")).toMatchObject({
        result: expect.anything(),
      });
    } finally {
      await new Promise((r) => server.close(r));
      await last.agent.stop();
      await last.agent.client.close();
    }
    expect(last.started).toEqual([]);
    expect(last.dead.map((e) => [e.reason, e.message.messageId])).toEqual([
      ["delivery_limit", poison],
    ]);
    expect(await store.deadLetters()).toMatchObject([
      { delivery: "push", messageId: poison, deliveries: 5 },
    ]);
  });

  it("push (file store): another message under a counted messageId is its own, never dead-lettered for it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "molecule-push-reuse-"));
    try {
      const store = fileStore(join(dir, "state.json"), { maxDeliveries: 1 });
      const ws = await emu.admin.createWorkspace({ name: "push-reused-id" });
      const id = randomUUID();
      const first = agentOn(store, ws, true);
      await first.agent.start();
      const one = await serve(first);
      const sent = send(first, one.url, id, "poison");
      await first.firstStart;
      await first.agent.stop(); // unsettled: counted once in the file
      await sent;
      await new Promise((r) => one.server.close(r));
      await first.agent.client.close();

      const next = agentOn(store, ws, true);
      await next.agent.start();
      const two = await serve(next);
      try {
        // Other content under the same id: its own message (no sender of a push is authenticated).
        const other = await send(next, two.url, id, "fine");
        expect(other.error).toBeUndefined();
        expect((other.result as { parts?: Array<{ text?: string }> }).parts?.[0]?.text).toBe(
          "ok fine",
        );
        // The counted message itself is over its limit: dead-lettered, never run again.
        expect((await send(next, two.url, id, "poison")).error?.data?.code).toBe("delivery_limit");
      } finally {
        await new Promise((r) => two.server.close(r));
        await next.agent.stop();
        await next.agent.client.close();
      }
      expect(next.handled).toEqual(["fine"]);
      expect(next.started).toEqual([]);
      expect(await store.deadLetters()).toMatchObject([
        { delivery: "push", messageId: id, deliveries: 1, content: expect.any(String) },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("push: copies of one message sent at once run it once and all get its answer (memory and file store)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "molecule-push-dup-"));
    try {
      for (const store of [memoryStore(), fileStore(join(dir, "state.json"))]) {
        const ws = await emu.admin.createWorkspace({ name: "push-duplicates" });
        const run = agentOn(store, ws, true);
        await run.agent.start();
        const { url, server } = await serve(run);
        try {
          const id = randomUUID();
          // All five arrive while the first is still being claimed in the store.
          const answers = await Promise.all(
            Array.from({ length: 5 }, () => send(run, url, id, "dup")),
          );
          expect(answers.map((a) => a.error)).toEqual([
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
          ]);
          const texts = answers.map(
            (a) => (a.result as { parts?: Array<{ text?: string }> }).parts?.[0]?.text,
          );
          expect(texts).toEqual(["ok dup", "ok dup", "ok dup", "ok dup", "ok dup"]);
          expect(run.handled).toEqual(["dup"]);
        } finally {
          await new Promise((r) => server.close(r));
          await run.agent.stop();
          await run.agent.client.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
