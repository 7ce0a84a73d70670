// A long task from the caller's side (issue #61): `PlatformClient.peerTasks` streams a message's
// task, starts one without waiting, follows it (resubscribe), gets, lists and cancels it, over real
// HTTP, on an @a2a-js/sdk 1.3 server (JSON-RPC 1.0 only, and HTTP+JSON only) and on ours, directly;
// and on ours through the emulator's proxy, which forwards JSON-RPC bodies only and buffers the
// answer (a stream's events arrive together once the task stops). `callPeer({ via: "direct" })`
// reaches a peer that serves only HTTP+JSON, and its data and file parts and artifacts reach the
// caller beside the text.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AgentCard,
  Message,
  Task,
  TaskArtifactUpdateEvent,
  TaskStatusUpdateEvent,
} from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from "@a2a-js/sdk/server";
import {
  agentCardHandler,
  jsonRpcHandler,
  restHandler,
  UserBuilder,
} from "@a2a-js/sdk/server/express";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import express from "express";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { PlatformClient } from "../src/index.js";
import { startA2AServer, type A2AServer, type A2AStreamEvent } from "../src/public/a2a.js";

/** Tasks held until canceled, by id (both kinds of server). */
const held = new Map<string, () => void>();

const textOf = (parts: Array<{ content?: { $case: string; value: unknown } }>): string =>
  parts.map((p) => (p.content?.$case === "text" ? String(p.content.value) : "")).join("");

/** The official executor: "stream" streams two chunks and completes; "hold" runs until canceled. */
const executor: AgentExecutor = {
  async execute(ctx, bus) {
    const { taskId, contextId } = ctx;
    const text = textOf(ctx.userMessage.parts);
    if (text === "data") {
      bus.publish(
        AgentEvent.message(
          Message.fromJSON({
            messageId: crypto.randomUUID(),
            contextId,
            role: "ROLE_AGENT",
            parts: [
              { text: "the figures" },
              { data: { revenue: 42, currency: "EUR" } },
              {
                url: "https://files.example.com/q1.pdf",
                filename: "q1.pdf",
                mediaType: "application/pdf",
              },
            ],
          }),
        ),
      );
      bus.finished();
      return;
    }
    bus.publish(
      AgentEvent.task(
        Task.fromJSON({ id: taskId, contextId, status: { state: "TASK_STATE_WORKING" } }),
      ),
    );
    const artifact = (t: string) =>
      AgentEvent.artifactUpdate(
        TaskArtifactUpdateEvent.fromJSON({
          taskId,
          contextId,
          artifact: { artifactId: "a", parts: [{ text: t }] },
          append: t !== "Sun",
        }),
      );
    if (text === "stream") {
      bus.publish(artifact("Sun"));
      bus.publish(artifact("ny"));
      bus.publish(
        AgentEvent.statusUpdate(
          TaskStatusUpdateEvent.fromJSON({
            taskId,
            contextId,
            status: { state: "TASK_STATE_COMPLETED" },
          }),
        ),
      );
      bus.finished();
      return;
    }
    await new Promise<void>((resolve) => held.set(taskId, resolve));
  },
  async cancelTask(taskId, bus) {
    bus.publish(
      AgentEvent.statusUpdate(
        TaskStatusUpdateEvent.fromJSON({
          taskId,
          contextId: "",
          status: { state: "TASK_STATE_CANCELED" },
        }),
      ),
    );
    bus.finished();
    held.get(taskId)?.();
  },
};

/** An @a2a-js/sdk Express server: JSON-RPC 1.0 on /a2a, or HTTP+JSON only on /rest. */
async function startOfficial(
  binding: "JSONRPC" | "HTTP+JSON",
): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const url = `${origin}${binding === "JSONRPC" ? "/a2a" : "/rest"}`;
  const card = AgentCard.fromJSON({
    name: `official ${binding}`,
    description: "long tasks",
    version: "1.0.0",
    supportedInterfaces: [{ url, protocolBinding: binding, protocolVersion: "1.0" }],
    capabilities: { streaming: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: "s", name: "s", description: "s", tags: ["s"] }],
  });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: handler }));
  const options = { requestHandler: handler, userBuilder: UserBuilder.noAuthentication };
  app.use(
    binding === "JSONRPC" ? "/a2a" : "/rest",
    binding === "JSONRPC" ? jsonRpcHandler(options) : restHandler(options),
  );
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let emu: Emulator;
let caller: PlatformClient;
let ours: A2AServer;
const ids: Record<"ours" | "jsonrpc" | "rest", string> = { ours: "", jsonrpc: "", rest: "" };
const closers: Array<() => Promise<void>> = [];

// The SDK logs every canceled task and rejected request with console.error.
beforeEach(() => void vi.spyOn(console, "error").mockImplementation(() => {}));

beforeAll(async () => {
  emu = await startEmulator({ compat: "latest" });
  const me = await emu.admin.createWorkspace({ name: "caller" });
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  ours = await startA2AServer({
    agentCard: { name: "ours" },
    streaming: true,
    onMessage: async function* (message, ctx) {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (text === "stream") {
        yield "Sun";
        yield "ny";
        return;
      }
      yield "holding";
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    },
  });
  closers.push(() => ours.close());
  ids.ours = (await emu.admin.createWorkspace({ name: "ours", url: ours.url })).id;
  for (const [key, binding] of [
    ["jsonrpc", "JSONRPC"],
    ["rest", "HTTP+JSON"],
  ] as const) {
    const peer = await startOfficial(binding);
    closers.push(peer.close);
    ids[key] = (await emu.admin.createWorkspace({ name: key, url: peer.url })).id;
  }
});

afterAll(async () => {
  for (const release of held.values()) release();
  await caller?.close();
  for (const close of closers) await close();
  await emu?.close();
});

async function all(events: AsyncIterable<A2AStreamEvent>): Promise<A2AStreamEvent[]> {
  const out: A2AStreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const stateOf = (e: A2AStreamEvent): string | undefined =>
  e.kind === "status-update" ? e.status.state : e.kind === "task" ? e.task.status.state : undefined;

const streamedText = (events: A2AStreamEvent[]): string =>
  events
    .map((e) =>
      e.kind === "artifact-update"
        ? e.artifact.parts.map((p) => (p.kind === "text" ? p.text : "")).join("")
        : "",
    )
    .join("");

describe.each(["ours", "jsonrpc", "rest"] as const)("a long task on %s, directly", (peer) => {
  it("streams a message's task to its end", async () => {
    const tasks = caller.peerTasks(ids[peer], { via: "direct" });
    const events = await all(tasks.stream("stream"));
    expect(events[0]?.kind).toBe("task");
    expect(streamedText(events)).toBe("Sunny");
    const last = events.at(-1)!;
    expect(last.kind === "status-update" && last.status.state).toBe("completed");
  });

  it("starts one without waiting, follows it, gets, lists and cancels it", async () => {
    const tasks = caller.peerTasks(ids[peer], { via: "direct" });
    const started = await tasks.start("hold", { contextId: crypto.randomUUID() });
    if (started.kind !== "task") throw new Error("expected a task");
    const following = tasks.follow(started.id);
    const first = await following.next();
    expect(first.value).toMatchObject({ kind: "task", task: { id: started.id } });
    const got = await tasks.get(started.id);
    expect(got.id).toBe(started.id);
    expect(["submitted", "working"]).toContain(got.status.state);
    const page = await tasks.list({ contextId: started.contextId });
    // Our push agent lists no task (its callers cannot be told apart); the official server does.
    expect(page.tasks.map((t) => t.id)).toEqual(peer === "ours" ? [] : [started.id]);
    const canceled = await tasks.cancel(started.id);
    expect(canceled.status.state).toBe("canceled");
    const rest = await all({ [Symbol.asyncIterator]: () => following });
    const end = rest.at(-1)!;
    expect(end.kind === "status-update" && end.status.state).toBe("canceled");
  });
});

describe("a long task on ours, through the platform's proxy (JSON-RPC, buffered)", () => {
  it("starts, gets, lists, cancels; a stream's events arrive together at its end", async () => {
    const tasks = caller.peerTasks(ids.ours);
    const contextId = crypto.randomUUID();
    const started = await tasks.start("hold", { contextId });
    if (started.kind !== "task") throw new Error("expected a task");
    expect((await tasks.get(started.id)).id).toBe(started.id);
    expect((await tasks.list({ contextId })).tasks).toEqual([]); // never another caller's
    const following = all(tasks.follow(started.id)); // answered when the task stops
    const canceled = await tasks.cancel(started.id);
    expect(canceled.status.state).toBe("canceled");
    const followed = await following;
    expect(followed[0]?.kind).toBe("task");
    // The cancel may reach the peer before the subscription: then the one event is the task.
    expect(stateOf(followed.at(-1)!)).toBe("canceled");
    const streamed = await all(tasks.stream("stream"));
    expect(streamedText(streamed)).toMatch(/Sun.*ny/s);
  });
});

describe("callPeer to a peer that serves only HTTP+JSON", () => {
  it("reaches it directly; data and file parts come back beside the text", async () => {
    const result = await caller.callPeer(ids.rest, "data", {
      via: "direct",
      recordDelegation: false,
    });
    if (result.status === "queued") throw new Error("expected an answer");
    expect(result.protocol).toBe("1.0");
    expect(result.text).toBe("the figures");
    expect(result.parts).toEqual([
      { kind: "text", text: "the figures" },
      { kind: "data", data: { revenue: 42, currency: "EUR" } },
      {
        kind: "file",
        file: {
          uri: "https://files.example.com/q1.pdf",
          name: "q1.pdf",
          mimeType: "application/pdf",
        },
      },
    ]);
    expect(result.artifacts).toEqual([]);
  });

  it("a task's artifacts reach the caller too", async () => {
    const result = await caller.callPeer(ids.rest, "stream", {
      via: "direct",
      recordDelegation: false,
    });
    if (result.status === "queued") throw new Error("expected an answer");
    expect(result.artifacts?.[0]?.artifactId).toBe("a");
    expect(result.parts?.filter((p) => p.kind === "text")).not.toEqual([]);
  });
});
