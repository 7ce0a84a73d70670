// tasks/cancel reaches a RemoteAgent handler: a push agent (its own server, registered with the
// emulator, memory store) runs a message sent as an A2A task; tasks/cancel to the agent's own
// endpoint (with the platform's bearer, as the August-2026 proxy sends it) aborts the handler's ctx.signal, the task answers `canceled`, the handler's late
// answer is dropped and nothing is retried or dead-lettered. A queued message leaves the queue.
// Unit level: each message has its own signal, and the cancel listeners go when messages settle.
import { randomUUID } from "node:crypto";
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import type { A2AHandlerContext, A2AMessage } from "../src/a2a/index.js";
import type { Answers } from "../src/agent/answer/answers.js";
import type { PeerCalls } from "../src/agent/route/call-peer.js";
import { Dispatcher, type DispatcherOptions } from "../src/agent/run/dispatcher.js";
import type { AgentObserver, MessageTrack } from "../src/events/index.js";
import { platformRpc } from "./fixtures/platform-rpc.js";
import { pushSource } from "./fixtures/push-source.js";
import { memoryStore, PlatformClient, RemoteAgent } from "../src/index.js";
import type { HandlerContext, InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

function userMessage(text: string, messageId: string = randomUUID()): Record<string, unknown> {
  return { kind: "message", role: "user", messageId, parts: [{ kind: "text", text }] };
}

/** A non-blocking send: the task id. */
async function startTask(
  agent: RemoteAgent<PlatformClient>,
  text: string,
  messageId?: string,
): Promise<string> {
  const body = await platformRpc(agent, "message/send", {
    message: userMessage(text, messageId),
    configuration: { blocking: false },
  });
  if (typeof body.result?.id !== "string") throw new Error(`no task: ${JSON.stringify(body)}`);
  return body.result.id;
}

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((r) =>
    signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true }),
  );

/** A push agent on the emulator whose handler is `handler`; returns it started. */
async function pushAgent(
  handler: (msg: InboundMessage, ctx: HandlerContext) => Promise<string | void>,
  extra: { concurrency?: number } = {},
): Promise<{
  agent: RemoteAgent<PlatformClient>;
  events: string[];
  deadLetters: InboundMessage[];
}> {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const ws = await emu.admin.createWorkspace({ name: "cancel-agent" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  cleanups.push(() => client.close());
  const events: string[] = [];
  const deadLetters: InboundMessage[] = [];
  const agent = new RemoteAgent({
    client,
    store: memoryStore(),
    delivery: "push",
    handler,
    retryBaseMs: 1,
    onEvent: (e) => void events.push(e.type),
    onDeadLetter: (msg) => void deadLetters.push(msg),
    logger: {},
    ...extra,
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  return { agent, events, deadLetters };
}

describe("tasks/cancel aborts a RemoteAgent push handler", () => {
  it("the handler's signal aborts, the task is canceled, its late answer is dropped", async () => {
    const calls: Array<{ text: string; signal: AbortSignal; attempt: number }> = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { agent, events, deadLetters } = await pushAgent(async (msg, ctx) => {
      calls.push({ text: msg.text, signal: ctx.signal, attempt: ctx.attempt });
      if (msg.text === "long") {
        await released; // ignores the signal on purpose: its answer must still go nowhere
        return "late answer";
      }
      return `ok ${msg.text}`;
    });
    const id = await startTask(agent, "long");
    await waitFor(() => calls.length === 1);
    expect((await platformRpc(agent, "tasks/get", { id })).result?.status?.state).toBe("working");

    const canceled = await platformRpc(agent, "tasks/cancel", { id });
    expect(canceled.result?.status?.state).toBe("canceled");
    await aborted(calls[0]!.signal); // the handler observes the cancel at once
    expect((calls[0]!.signal.reason as { code?: string }).code).toBe("task_canceled");

    release();
    await waitFor(() => agent.activeTasks === 0);
    const task = (await platformRpc(agent, "tasks/get", { id })).result!;
    expect(task.status?.state).toBe("canceled");
    expect(task.artifacts).toBeUndefined();
    expect((await platformRpc(agent, "tasks/cancel", { id })).error?.code).toBe(-32002);
    expect(calls).toHaveLength(1); // not retried
    expect(deadLetters).toEqual([]);
    expect(events).not.toContain("handled");

    // Other messages have their own signal: not aborted, answered as usual.
    const next = await platformRpc(agent, "message/send", { message: userMessage("next") });
    expect(JSON.stringify(next.result)).toContain("ok next");
    expect(calls[1]!.signal).not.toBe(calls[0]!.signal);
    expect(calls[1]!.signal.aborted).toBe(false);
  });

  it("a handler that throws on abort is neither retried nor dead-lettered", async () => {
    const attempts: number[] = [];
    const { agent, deadLetters } = await pushAgent(async (_msg, ctx) => {
      attempts.push(ctx.attempt);
      await aborted(ctx.signal);
      throw ctx.signal.reason;
    });
    const id = await startTask(agent, "abortable");
    await waitFor(() => attempts.length === 1);
    await platformRpc(agent, "tasks/cancel", { id });
    await waitFor(() => agent.activeTasks === 0);
    expect((await platformRpc(agent, "tasks/get", { id })).result?.status?.state).toBe("canceled");
    expect(attempts).toEqual([1]);
    expect(deadLetters).toEqual([]);
  });

  it("a canceled message still queued never reaches the handler", async () => {
    const seen: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { agent } = await pushAgent(
      async (msg) => {
        seen.push(msg.text);
        if (msg.text === "first") await released;
        return `done ${msg.text}`;
      },
      { concurrency: 1 },
    );
    const first = await startTask(agent, "first");
    await waitFor(() => seen.length === 1);
    const queuedMid = randomUUID();
    const queued = await startTask(agent, "queued", queuedMid);
    expect((await platformRpc(agent, "tasks/cancel", { id: queued })).result?.status?.state).toBe(
      "canceled",
    );
    release();
    await waitFor(
      async () =>
        (await platformRpc(agent, "tasks/get", { id: first })).result?.status?.state ===
        "completed",
    );
    await waitFor(() => agent.activeTasks === 0);
    expect(seen).toEqual(["first"]);
    // A resend of the canceled message is answered canceled, not run and not "completed".
    const again = await platformRpc(agent, "message/send", {
      message: userMessage("queued", queuedMid),
    });
    expect(again.result?.status?.state).toBe("canceled");
    expect(seen).toEqual(["first"]);
  });
});

/** A track that reports nothing. */
const quiet: MessageTrack = {
  run: async (fn) => await fn(),
  failed: () => undefined,
  replyFailed: () => undefined,
  end: () => undefined,
};

function dispatcher(
  run: (msg: InboundMessage, info: { signal: AbortSignal }) => Promise<string | void>,
  concurrency = 4,
): Dispatcher {
  const options = { client: {}, handler: run, concurrency, maxAttempts: 3, retryBaseMs: 1 };
  return new Dispatcher(
    options as unknown as DispatcherOptions,
    { callPeerFrom: () => undefined } as unknown as PeerCalls,
    { deadLetter: async () => undefined } as unknown as Answers,
    { track: () => quiet, logger: {} } as unknown as AgentObserver,
    { proven: async () => true },
  );
}

const inbound = (i: number): InboundMessage =>
  ({
    text: `m${i}`,
    messageId: `m${i}`,
    role: "user",
    isReply: false,
  }) as unknown as InboundMessage;

describe("per-message signals", () => {
  it("cancel listeners are removed when messages settle (many messages, one long-lived signal)", async () => {
    const longLived = new AbortController().signal;
    const signals = new Set<AbortSignal>();
    let peak = 0;
    const d = dispatcher(async (msg, info) => {
      signals.add(info.signal);
      peak = Math.max(peak, getEventListeners(longLived, "abort").length);
      await new Promise((r) => setImmediate(r));
      return msg.text;
    });
    const outcomes = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        return await d.submit(inbound(i), { redelivered: false, reply: false, cancel: longLived });
      }),
    );
    expect(outcomes.every((o) => o.status === "handled")).toBe(true);
    expect(signals.size).toBe(500); // one signal per message
    expect(peak).toBeGreaterThan(0);
    expect(getEventListeners(longLived, "abort")).toHaveLength(0);
    for (const s of signals) expect(getEventListeners(s, "abort")).toHaveLength(0);
  });

  it("through the push pipeline: a task's signal keeps no listener once its message settled", async () => {
    const taskSignal = new AbortController().signal;
    let peak = 0;
    const d = dispatcher(async (msg) => {
      peak = Math.max(peak, getEventListeners(taskSignal, "abort").length);
      await new Promise((r) => setImmediate(r));
      return `re ${msg.text}`;
    });
    const pipeline = pushSource(d);
    const ctx = { taskId: "t", signal: taskSignal } as A2AHandlerContext;
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const message: A2AMessage = {
            kind: "message",
            role: "user",
            messageId: randomUUID(),
            parts: [{ kind: "text", text: `r${round}-${i}` }],
          };
          expect(await pipeline.onMessage(message, ctx)).toBe(`re r${round}-${i}`);
        }),
      );
      expect(getEventListeners(taskSignal, "abort")).toHaveLength(0);
    }
    expect(peak).toBeGreaterThan(0); // the task's signal was listened to while messages ran
  });

  it("stop (abort) aborts every running message's own signal; a cancel aborts only its own", async () => {
    const started: Array<{ text: string; signal: AbortSignal }> = [];
    const d = dispatcher(async (msg, info) => {
      started.push({ text: msg.text, signal: info.signal });
      await aborted(info.signal);
      throw info.signal.reason;
    });
    const cancel = new AbortController();
    const a = d.submit(inbound(1), { redelivered: false, reply: false, cancel: cancel.signal });
    const b = d.submit(inbound(2), { redelivered: false, reply: false });
    const c = d.submit(inbound(3), { redelivered: false, reply: false });
    await waitFor(() => started.length === 3);
    cancel.abort(new Error("task canceled"));
    expect(await a).toEqual({ status: "canceled" });
    expect(started[1]!.signal.aborted || started[2]!.signal.aborted).toBe(false);
    d.abort();
    expect(await b).toEqual({ status: "aborted" });
    expect(await c).toEqual({ status: "aborted" });
    expect(getEventListeners(cancel.signal, "abort")).toHaveLength(0);
  });
});
