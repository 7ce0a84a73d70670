// Transport equivalence over real sockets on 127.0.0.1: one scenario (a multi-turn task read back
// with GetTask, a streamed answer, a held task followed with SubscribeToTask until CancelTask ends
// it, an unknown task) run by @a2a-js/sdk 1.3's own client over JSON-RPC, HTTP+JSON and gRPC,
// each chosen from the server's card, on our endpoint (gRPC by this package) and on @a2a-js/sdk's
// own servers (its Express JSON-RPC and REST handlers, its grpcService) with the same agent. Every
// binding of each server gives the same transcript, and ours gives the official one.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AgentCard,
  CancelTaskRequest,
  GetTaskRequest,
  SendMessageRequest,
  SubscribeToTaskRequest,
  Task,
  TaskState,
  TaskArtifactUpdateEvent,
  TaskStatusUpdateEvent,
  type StreamResponse,
} from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import { generatePathSecret } from "@molecule-ai/agent-core";
import { createA2AHandler, inputRequired, type A2AHandler } from "@molecule-ai/agent-core/a2a";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AService, createA2AGrpcService } from "../src/index.js";

type Binding = "JSONRPC" | "HTTP+JSON" | "GRPC";
const BINDINGS: Binding[] = ["JSONRPC", "HTTP+JSON", "GRPC"];

interface Running {
  cardUrl: string;
  close(): Promise<void>;
}

/** A gRPC server bound to a free loopback port, its service added later. */
async function bindGrpc(): Promise<{ server: GrpcServer; url: string }> {
  const server = new GrpcServer();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, url: `127.0.0.1:${port}` };
}

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const shutdown = (s: GrpcServer): Promise<void> =>
  new Promise<void>((resolve) => s.tryShutdown(() => resolve()));

/** Ours: createA2AHandler on node:http (JSON-RPC, HTTP+JSON) and this package's gRPC service. */
async function startOurs(): Promise<Running & { handler: A2AHandler }> {
  const grpc = await bindGrpc();
  const pathSecret = generatePathSecret();
  const handler = createA2AHandler({
    agentCard: { name: "weather", description: "asks for a city" },
    pathSecret,
    streaming: true,
    grpcUrl: grpc.url,
    onMessage: async function (message, ctx) {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (text === "hold") {
        return (async function* () {
          yield "holding";
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        })();
      }
      if (text === "stream") {
        return (async function* () {
          yield "Sun";
          yield "ny";
        })();
      }
      if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
      return {
        kind: "task",
        id: ctx.taskId!,
        contextId: ctx.contextId,
        status: {
          state: "completed",
          message: {
            kind: "message",
            role: "agent",
            messageId: crypto.randomUUID(),
            parts: [{ kind: "text", text: `Sunny in ${text}` }],
          },
        },
      };
    },
  });
  const service = createA2AGrpcService({ handler, pathSecret });
  grpc.server.addService(A2AService, service.implementation);
  const http = createServer((req, res) => void handler.handleNode(req, res));
  const origin = await listen(http);
  return {
    handler,
    cardUrl: `${origin}${handler.endpointPath}/.well-known/agent-card.json`,
    close: async () => {
      service.close();
      await shutdown(grpc.server);
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** An agent message of the official server's agent. */
const agentMessage = (taskId: string, contextId: string, text: string) => ({
  messageId: crypto.randomUUID(),
  role: "ROLE_AGENT",
  taskId,
  contextId,
  parts: [{ text }],
});

/** @a2a-js/sdk 1.3's servers (JSON-RPC and REST on Express, gRPC) with the same agent. */
async function startOfficial(): Promise<Running> {
  const express = (await import("express")).default;
  const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } =
    await import("@a2a-js/sdk/server");
  const { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } =
    await import("@a2a-js/sdk/server/express");
  const { grpcService } = await import("@a2a-js/sdk/server/grpc");
  const grpc = await bindGrpc();
  const app = express();
  const http = createServer(app);
  const origin = await listen(http);
  const url = `${origin}/`;
  const card = AgentCard.fromJSON({
    name: "weather (official)",
    description: "asks for a city",
    version: "1.0.0",
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      { url: grpc.url, protocolBinding: "GRPC", protocolVersion: "1.0" },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
  });
  type Bus = { publish(e: unknown): void; finished(): void };
  type Ctx = {
    taskId: string;
    contextId: string;
    task?: unknown;
    userMessage: { parts: { content?: { $case: string; value: unknown } }[] };
  };
  const status = (taskId: string, contextId: string, state: string, text?: string) =>
    AgentEvent.statusUpdate(
      TaskStatusUpdateEvent.fromJSON({
        taskId,
        contextId,
        status: {
          state,
          ...(text === undefined ? {} : { message: agentMessage(taskId, contextId, text) }),
        },
      }),
    );
  const artifact = (taskId: string, contextId: string, text: string, append: boolean) =>
    AgentEvent.artifactUpdate(
      TaskArtifactUpdateEvent.fromJSON({
        taskId,
        contextId,
        append,
        artifact: { artifactId: "answer", parts: [{ text }] },
      }),
    );
  const executor = {
    async execute(ctx: Ctx, bus: Bus) {
      const { taskId, contextId } = ctx;
      const content = ctx.userMessage.parts[0]?.content;
      const text = content?.$case === "text" ? String(content.value) : "";
      const task = (state: string) =>
        AgentEvent.task(Task.fromJSON({ id: taskId, contextId, status: { state } }));
      if (text === "hold") {
        bus.publish(task("TASK_STATE_WORKING"));
        return; // until cancelTask
      }
      if (text === "stream") {
        bus.publish(task("TASK_STATE_WORKING"));
        bus.publish(artifact(taskId, contextId, "Sun", false));
        bus.publish(artifact(taskId, contextId, "ny", true));
        bus.publish(status(taskId, contextId, "TASK_STATE_COMPLETED"));
      } else if (ctx.task === undefined) {
        bus.publish(task("TASK_STATE_SUBMITTED"));
        bus.publish(status(taskId, contextId, "TASK_STATE_INPUT_REQUIRED", "Which city?"));
      } else {
        bus.publish(AgentEvent.task(ctx.task as never));
        bus.publish(status(taskId, contextId, "TASK_STATE_COMPLETED", `Sunny in ${text}`));
      }
      bus.finished();
    },
    async cancelTask(taskId: string, bus: Bus) {
      bus.publish(status(taskId, "", "TASK_STATE_CANCELED"));
      bus.finished();
    },
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor as never);
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: handler }));
  const rpc = jsonRpcHandler({
    requestHandler: handler,
    userBuilder: UserBuilder.noAuthentication,
  });
  app.use((req, res, next) => (req.path === "/" ? rpc(req, res, next) : next()));
  app.use(restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  grpc.server.addService(
    A2AService,
    grpcService({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  return {
    cardUrl: `${origin}/.well-known/agent-card.json`,
    close: async () => {
      await shutdown(grpc.server);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The official client, speaking `binding` as picked from the card at `cardUrl`. */
async function clientFor(cardUrl: string, binding: Binding): Promise<Client> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [
        new JsonRpcTransportFactory(),
        new RestTransportFactory(),
        new GrpcTransportFactory(),
      ],
      preferredTransports: [binding],
    }),
  );
  const client = await factory.createFromUrl(cardUrl, "");
  expect(client.transport.protocolName).toBe(binding);
  return client;
}

const send = (text: string, extra: { taskId?: string; background?: boolean } = {}) =>
  SendMessageRequest.fromJSON({
    message: {
      messageId: crypto.randomUUID(),
      role: "ROLE_USER",
      parts: [{ text }],
      ...(extra.taskId ? { taskId: extra.taskId } : {}),
    },
    ...(extra.background ? { configuration: { returnImmediately: true } } : {}),
  });

async function taskOf(client: Client, req: SendMessageRequest): Promise<Task> {
  const result = await client.sendMessage(req);
  if (!("status" in result)) throw new Error(`expected a task, got ${JSON.stringify(result)}`);
  return result;
}

const textOf = (t: Task | undefined): string =>
  (t?.status?.message?.parts ?? [])
    .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
    .join("");

/** What a client sees of the scenario, without ids and timestamps. */
async function transcript(client: Client): Promise<Record<string, unknown>> {
  const first = await taskOf(client, send("weather?"));
  const done = await taskOf(client, send("Paris", { taskId: first.id }));
  const got = await client.getTask(GetTaskRequest.fromJSON({ id: first.id }));
  const multiTurn = {
    first: [first.status?.state, textOf(first)],
    done: [done.id === first.id, done.status?.state, textOf(done)],
    got: [got.id === first.id, got.status?.state, textOf(got)],
  };
  let streamed = "";
  const cases: string[] = [];
  for await (const e of client.sendMessageStream(send("stream")) as AsyncIterable<StreamResponse>) {
    cases.push(e.payload?.$case ?? "");
    if (e.payload?.$case === "artifactUpdate") {
      for (const p of e.payload.value.artifact?.parts ?? []) {
        if (p.content?.$case === "text") streamed += p.content.value;
      }
    }
  }
  const held = await taskOf(client, send("hold", { background: true }));
  const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: held.id }));
  const firstEvent = await events.next();
  const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id: held.id }));
  let last: unknown;
  for await (const e of events) {
    if (e.payload?.$case === "statusUpdate") last = e.payload.value.status?.state;
  }
  const missing = await client.getTask(GetTaskRequest.fromJSON({ id: "no-such-task" })).then(
    () => "found",
    (err: Error) => err.name,
  );
  return {
    multiTurn,
    stream: { first: cases[0], last: cases.at(-1), text: streamed },
    cancel: {
      held: held.status?.state,
      subscribed: firstEvent.value?.payload?.$case,
      canceled: canceled.status?.state,
      last,
    },
    missing,
  };
}

/** A transcript without the two answers the servers differ on (see below). */
const same = (r: Record<string, unknown>): Record<string, unknown> => ({
  ...r,
  cancel: { ...(r["cancel"] as object), held: "-", last: "-" },
});

describe("transport equivalence: JSON-RPC, HTTP+JSON and gRPC, ours and @a2a-js/sdk's", () => {
  let ours: Awaited<ReturnType<typeof startOurs>>;
  let official: Running;
  beforeAll(async () => {
    ours = await startOurs();
    official = await startOfficial();
  });
  afterAll(async () => {
    await ours?.close();
    await official?.close();
  });

  it("our card lists the gRPC interface with the path secret as its tenant", async () => {
    const card = (await (await fetch(ours.cardUrl)).json()) as {
      supportedInterfaces: { protocolBinding: string; url: string; tenant?: string }[];
    };
    expect(card.supportedInterfaces.map((i) => i.protocolBinding)).toEqual(BINDINGS);
    const secret = ours.handler.endpointPath.split("/").at(-1);
    expect(card.supportedInterfaces[2]!.tenant).toBe(secret);
    expect(card.supportedInterfaces[2]!.url).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("every binding of each server gives the same transcript, and ours gives the official one", async () => {
    const results: Record<string, Record<string, unknown>> = {};
    for (const [name, server] of [
      ["ours", ours],
      ["official", official],
    ] as const) {
      for (const binding of BINDINGS) {
        results[`${name} ${binding}`] = await transcript(await clientFor(server.cardUrl, binding));
      }
    }
    // Transport equivalence: each server's three bindings give one transcript.
    for (const name of ["ours", "official"]) {
      for (const binding of BINDINGS) {
        const key = `${name} ${binding}`;
        expect({ key, value: results[key] }).toEqual({ key, value: results[`${name} JSONRPC`] });
      }
    }
    // Ours gives the official transcript, but for two answers of the servers themselves (not of a
    // binding): a send that returns at once answers SUBMITTED (the official one: the state its
    // executor published first, WORKING), and a subscription ends with the CANCELED update (the
    // official one ends without it).
    const ourCancel = results["ours JSONRPC"]!["cancel"] as Record<string, unknown>;
    const theirCancel = results["official JSONRPC"]!["cancel"] as Record<string, unknown>;
    expect([ourCancel["held"], ourCancel["last"]]).toEqual([
      TaskState.TASK_STATE_SUBMITTED,
      TaskState.TASK_STATE_CANCELED,
    ]);
    expect([theirCancel["held"], theirCancel["last"]]).toEqual([
      TaskState.TASK_STATE_WORKING,
      undefined,
    ]);
    expect(same(results["ours JSONRPC"]!)).toEqual(same(results["official JSONRPC"]!));
    expect(results["ours GRPC"]).toMatchObject({
      multiTurn: { done: [true, TaskState.TASK_STATE_COMPLETED, "Sunny in Paris"] },
      stream: { text: "Sunny" },
      cancel: { subscribed: "task", canceled: TaskState.TASK_STATE_CANCELED },
      missing: "TaskNotFoundError",
    });
  });
});
