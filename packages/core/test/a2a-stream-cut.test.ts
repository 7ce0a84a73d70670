// A task lives until it ends or is canceled, never because a stream closed (issue #112, A2A
// v1.0.1 §3.5.2). A TCP proxy resets a streaming call mid-task (once, seven times, and with an
// outage that refuses the re-subscriptions for a while) between `RemoteA2AAgent` and core's own
// server (JSON-RPC, HTTP+JSON) or an `@a2a-js/sdk` server: the task runs on while its caller is
// away, and the caller gets every chunk once, in order, and the final state `completed`. A task
// that nobody follows after its stream was cut ends by the server's policy (`unwatchedTaskTtlMs`,
// canceled with a reason), not at the cut. The handler makes each chunk only when the test lets
// it, and the test cuts once the caller has read a given chunk: every wait is on an event.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent, AgentCard } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from "@a2a-js/sdk/server";
import { agentCardHandler, jsonRpcHandler, UserBuilder } from "@a2a-js/sdk/server/express";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import {
  cutAndGoOn,
  cuttingProxy,
  Pacer,
  rpc,
  rpcStream,
  waitFor,
  type CuttingProxy,
} from "@internal/test-utils";
import {
  RemoteA2AAgent,
  startA2AServer,
  type A2AStreamEvent,
  type A2ATask,
} from "../src/public/a2a.js";

const CHUNKS = 20;
const chunk = (i: number): string => `c${i} `;
const ALL = Array.from({ length: CHUNKS }, (_, i) => chunk(i)).join("");

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
});

/** Core's streaming server: 20 chunks, each when the pacer allows it. */
async function ourServer(pacer: Pacer, unwatchedTaskTtlMs?: number) {
  const reasons: unknown[] = [];
  const server = await startA2AServer({
    agentCard: { name: "chunks" },
    streaming: true,
    ...(unwatchedTaskTtlMs === undefined ? {} : { unwatchedTaskTtlMs }),
    onMessage: async function* (_m, ctx) {
      ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason), { once: true });
      for (let i = 0; i < CHUNKS; i++) {
        await Promise.race([
          pacer.until(i),
          new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true })),
        ]);
        if (ctx.signal.aborted) return;
        yield chunk(i);
      }
    },
  });
  closers.push(() => server.close());
  return { server, reasons };
}

/** An `@a2a-js/sdk` 1.x server (JSON-RPC, A2A 1.0) streaming the same 20 chunks. */
async function officialServer(pacer: Pacer, proxyFor: (origin: string) => Promise<CuttingProxy>) {
  const executor: AgentExecutor = {
    async execute(ctx, bus) {
      const { taskId, contextId } = ctx;
      bus.publish(
        AgentEvent.task(
          Task.fromJSON({ id: taskId, contextId, status: { state: "TASK_STATE_WORKING" } }),
        ),
      );
      for (let i = 0; i < CHUNKS; i++) {
        await pacer.until(i);
        bus.publish(
          AgentEvent.artifactUpdate(
            TaskArtifactUpdateEvent.fromJSON({
              taskId,
              contextId,
              artifact: { artifactId: "a", parts: [{ text: chunk(i) }] },
              append: i > 0,
            }),
          ),
        );
      }
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
    },
    async cancelTask() {},
  };
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const proxy = await proxyFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const card = AgentCard.fromJSON({
    name: "Official chunks",
    description: "streams 20 chunks",
    version: "1.0.0",
    supportedInterfaces: [
      { url: `${proxy.url}/a2a`, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
  });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: handler }));
  app.use(
    "/a2a",
    jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  return `${proxy.url}/a2a`;
}

/**
 * A front for core's server whose card offers only HTTP+JSON (core's own card offers JSON-RPC
 * first): it answers the card and passes every other request through, unbuffered; a cut on its
 * caller's side is a cut on the server's.
 */
async function restOnlyFront(serverUrl: string, proxyUrl: () => string): Promise<string> {
  const target = new URL(serverUrl);
  const front = createServer((req, res) => {
    if (req.url?.endsWith("/.well-known/agent-card.json")) {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          name: "chunks over HTTP+JSON",
          description: "",
          version: "1",
          supportedInterfaces: [
            {
              url: `${proxyUrl()}${target.pathname}`,
              protocolBinding: "HTTP+JSON",
              protocolVersion: "1.0",
            },
          ],
          capabilities: { streaming: true },
          defaultInputModes: ["text/plain"],
          defaultOutputModes: ["text/plain"],
          skills: [],
        }),
      );
      return;
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        front.closeAllConnections();
        front.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
}

/** How a scenario cuts: after which chunks the caller has read, and whether an outage follows. */
interface Cuts {
  after: number[];
  outage?: boolean;
}

const SCENARIOS: Array<[string, Cuts]> = [
  ["cut once", { after: [4] }],
  ["cut seven times", { after: [1, 3, 5, 7, 9, 11, 13] }],
  ["cut, then an outage", { after: [4], outage: true }],
];

/**
 * Streams a message through `proxy` and cuts as `cuts` says, each once the caller has read the
 * chunk it follows (cutAndGoOn: the handler goes on while the caller is away).
 */
async function streamThroughCuts(
  agent: RemoteA2AAgent,
  proxy: CuttingProxy,
  pacer: Pacer,
  cuts: Cuts,
): Promise<{ text: string; states: string[]; events: A2AStreamEvent[]; error: unknown }> {
  const after = [...cuts.after];
  pacer.allow(after[0]! + 1);
  const events: A2AStreamEvent[] = [];
  let text = "";
  let error: unknown;
  try {
    for await (const e of agent.stream("go")) {
      events.push(e);
      if (e.kind === "artifact-update")
        for (const p of e.artifact.parts) text += p.kind === "text" ? p.text : "";
      const next = after[0];
      if (next !== undefined && text.includes(chunk(next))) {
        after.shift();
        cutAndGoOn(proxy, pacer, next, (after[0] ?? CHUNKS - 1) + 1, cuts.outage);
      }
    }
  } catch (err) {
    error = err;
  }
  const states = events.flatMap((e) =>
    e.kind === "status-update" ? [e.status.state] : e.kind === "task" ? [e.task.status.state] : [],
  );
  return { text, states, events, error };
}

describe.each([
  ["core's server, JSON-RPC", "jsonrpc"],
  ["core's server, HTTP+JSON", "rest"],
  ["an @a2a-js/sdk server, JSON-RPC 1.0", "official"],
] as const)("a stream cut mid-task, %s", (_name, kind) => {
  it.each(SCENARIOS)("%s: every chunk once, in order, and `completed`", async (_s, cuts) => {
    const pacer = new Pacer();
    let proxy!: CuttingProxy;
    const proxied = async (target: string): Promise<CuttingProxy> => {
      proxy = await cuttingProxy(target);
      closers.push(() => proxy.close());
      return proxy;
    };
    let url: string;
    if (kind === "official") url = await officialServer(pacer, proxied);
    else {
      const { server } = await ourServer(pacer);
      if (kind === "jsonrpc")
        url = `${(await proxied(server.url)).url}${new URL(server.url).pathname}`;
      else {
        const front = await restOnlyFront(server.url, () => proxy.url);
        url = `${(await proxied(front)).url}${new URL(server.url).pathname}`;
      }
    }
    const agent = new RemoteA2AAgent({ url, allowPrivateNetwork: true });
    closers.push(() => agent.close());
    const { text, states, error } = await streamThroughCuts(agent, proxy, pacer, cuts);
    expect(error).toBeUndefined();
    expect(agent.binding?.binding).toBe(kind === "rest" ? "HTTP+JSON" : "JSONRPC");
    expect(text).toBe(ALL);
    expect(states.at(-1)).toBe("completed");
    expect(states).not.toContain("canceled");
    expect(proxy.accepted).toBeGreaterThan(cuts.after.length); // each cut was resumed
  });
});

describe("a task nobody follows after its stream was cut", () => {
  it("ends by the unwatched-task policy (canceled, saying why), not at the cut", async () => {
    const pacer = new Pacer();
    const { server, reasons } = await ourServer(pacer, 300);
    const proxy = await cuttingProxy(server.url);
    closers.push(() => proxy.close());
    const url = `${proxy.url}${new URL(server.url).pathname}`;
    const stream = await rpcStream(url, "message/stream", {
      message: {
        kind: "message",
        role: "user",
        messageId: crypto.randomUUID(),
        parts: [{ kind: "text", text: "go" }],
      },
    });
    const id = (await stream.next())!["id"] as string;
    pacer.allow(1);
    expect((await stream.next())!["kind"]).toBe("artifact-update");
    proxy.cut();
    await waitFor(() => reasons.length === 1);
    expect((reasons[0] as { code?: string }).code).toBe("task_unwatched");
    // The handler's signal aborts before the canceled status is stored: wait for the store.
    const get = async () =>
      (await rpc(server.url, "tasks/get", { id })).result as unknown as A2ATask;
    await waitFor(async () => (await get()).status.state !== "working");
    const task = await get();
    expect(task.status.state).toBe("canceled");
    expect(task.status.message?.parts[0]).toMatchObject({
      text: expect.stringMatching(
        /no caller followed it for 300 ms after its stream closed \(unwatchedTaskTtlMs/,
      ),
    });
  });
});
