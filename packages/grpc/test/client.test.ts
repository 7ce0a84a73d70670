// Any A2A agent by URL over gRPC (issue #81): `RemoteA2AAgent` with this package's client
// (`a2aGrpcTransport`) calls agents whose cards offer only the A2A v1.0 gRPC binding, on real
// sockets on 127.0.0.1: ours (createA2AHandler served by startA2AGrpcServer, the card's tenant
// as the path secret) and @a2a-js/sdk 1.3's (its grpcService on a grpc-js server, its card served
// by its Express card handler). And the attacks: the credentials of the card's declared schemes
// are the only metadata sent, a loopback agent or a card pointing elsewhere is refused, an answer
// above the bound is refused, a refusal never echoes a credential.
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AgentCard,
  SendMessageResponse,
  Task,
  TaskArtifactUpdateEvent,
  TaskStatusUpdateEvent,
} from "@a2a-js/sdk";
import {
  Server as GrpcServer,
  ServerCredentials,
  status as Status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import { generatePathSecret, MoleculeError, MoleculePeerError } from "@molecule-ai/agent-core";
import { createA2AHandler, inputRequired, RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AService, a2aGrpcTransport, startA2AGrpcServer } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
const grpc = a2aGrpcTransport();
afterAll(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  await grpc.close();
});

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A card (served at `/.well-known/agent-card.json`) and the headers of each request for it. */
async function serveCard(card: object): Promise<{ origin: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url !== "/.well-known/agent-card.json") return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(card));
  });
  return { origin: await listen(server), seen };
}

/** A card offering only the gRPC binding at `url`. */
const grpcCard = (name: string, url: string, extra: object = {}) => ({
  name,
  description: `${name}, over gRPC only`,
  version: "1.0.0",
  supportedInterfaces: [{ url, protocolBinding: "GRPC", protocolVersion: "1.0", ...extra }],
  capabilities: {},
  defaultInputModes: ["text/plain"],
  defaultOutputModes: ["text/plain"],
  skills: [],
});

async function bindGrpc(server: GrpcServer): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  cleanups.push(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

/** An agent of our own: a message for "hello", else a task asking for a city, then the weather. */
async function startOurs(): Promise<string> {
  const pathSecret = generatePathSecret();
  const handler = createA2AHandler({
    agentCard: { name: "weather" },
    pathSecret,
    onMessage: (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (text === "hello") return "Hello over gRPC";
      if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
      return {
        kind: "task",
        id: ctx.taskId!,
        contextId: ctx.contextId,
        status: { state: "completed" },
        artifacts: [{ artifactId: "a", parts: [{ kind: "text", text: `Sunny in ${text}` }] }],
      };
    },
  });
  const server = await startA2AGrpcServer({ handler, pathSecret });
  cleanups.push(() => handler.close());
  cleanups.push(() => server.close());
  return (await serveCard(grpcCard("weather", server.url, { tenant: pathSecret }))).origin;
}

/** @a2a-js/sdk 1.3's agent: "forecast" completes a task with an artifact, "hold" keeps working. */
async function startOfficial(): Promise<string> {
  const express = (await import("express")).default;
  const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } =
    await import("@a2a-js/sdk/server");
  const { agentCardHandler, UserBuilder } = await import("@a2a-js/sdk/server/express");
  const { grpcService } = await import("@a2a-js/sdk/server/grpc");
  const server = new GrpcServer();
  const url = await bindGrpc(server);
  const card = AgentCard.fromJSON(grpcCard("forecaster (official)", url));
  type Bus = { publish(e: unknown): void; finished(): void };
  type Ctx = {
    taskId: string;
    contextId: string;
    userMessage: { parts: { content?: { $case: string; value: unknown } }[] };
  };
  const status = (taskId: string, contextId: string, state: string) =>
    AgentEvent.statusUpdate(
      TaskStatusUpdateEvent.fromJSON({ taskId, contextId, status: { state } }),
    );
  const executor = {
    async execute(ctx: Ctx, bus: Bus) {
      const { taskId, contextId } = ctx;
      const content = ctx.userMessage.parts[0]?.content;
      const text = content?.$case === "text" ? String(content.value) : "";
      bus.publish(
        AgentEvent.task(
          Task.fromJSON({ id: taskId, contextId, status: { state: "TASK_STATE_WORKING" } }),
        ),
      );
      if (text === "hold") return; // until cancelTask
      bus.publish(
        AgentEvent.artifactUpdate(
          TaskArtifactUpdateEvent.fromJSON({
            taskId,
            contextId,
            artifact: { artifactId: "answer", parts: [{ text: "Sunny" }] },
          }),
        ),
      );
      bus.publish(status(taskId, contextId, "TASK_STATE_COMPLETED"));
      bus.finished();
    },
    async cancelTask(taskId: string, bus: Bus) {
      bus.publish(status(taskId, "", "TASK_STATE_CANCELED"));
      bus.finished();
    },
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor as never);
  server.addService(
    A2AService,
    grpcService({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
  );
  const app = express();
  app.use("/.well-known/agent-card.json", agentCardHandler({ agentCardProvider: handler }));
  return listen(createServer(app));
}

/**
 * A bare gRPC agent: records each SendMessage's metadata and answers `text`, or refuses a call
 * without `authorization: Bearer <bearer>` UNAUTHENTICATED (echoing what it got).
 */
async function startRecorder(text: string, bearer?: string, silent = false) {
  const seen: Record<string, unknown>[] = [];
  const server = new GrpcServer();
  server.addService(A2AService, {
    sendMessage(call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) {
      const md: Metadata = call.metadata;
      seen.push(md.getMap());
      if (silent) return; // never answers
      const auth = md.get("authorization")[0];
      if (bearer !== undefined && auth !== `Bearer ${bearer}`) {
        return cb({ code: Status.UNAUTHENTICATED, details: `refused ${String(auth)}` });
      }
      const message = { messageId: "m-1", role: "ROLE_AGENT", parts: [{ text }] };
      cb(null, SendMessageResponse.fromJSON({ message }));
    },
  } as never);
  return { url: await bindGrpc(server), seen };
}

function agent(
  url: string,
  options: Partial<ConstructorParameters<typeof RemoteA2AAgent>[0]> = {},
) {
  const a = new RemoteA2AAgent({ url, grpc, allowPrivateNetwork: true, ...options });
  cleanups.push(() => a.close());
  return a;
}

describe("RemoteA2AAgent over gRPC (a2aGrpcTransport)", () => {
  let ours: string;
  let official: string;
  beforeAll(async () => {
    ours = await startOurs();
    official = await startOfficial();
  });

  it("calls our gRPC-only agent: a message answer, then a task continued to completion and read back", async () => {
    const remote = agent(ours);
    const hello = await remote.send("hello");
    expect(remote.binding).toEqual({ binding: "GRPC", version: "1.0" });
    expect(hello).toMatchObject({ status: "completed", text: "Hello over gRPC", protocol: "1.0" });
    expect(hello.taskId).toBeUndefined();

    const asked = await remote.send("weather?");
    expect(asked).toMatchObject({ status: "input-required", text: "Which city?" });
    const done = await remote.send("Paris", { taskId: asked.taskId, contextId: asked.contextId });
    expect(done).toMatchObject({
      status: "completed",
      text: "Sunny in Paris",
      taskId: asked.taskId,
    });
    const task = await remote.getTask(asked.taskId!);
    expect(task.status.state).toBe("completed");
    expect(task.artifacts?.[0]?.parts).toEqual([{ kind: "text", text: "Sunny in Paris" }]);
    const missing = await remote.getTask("no-such-task").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MoleculePeerError);
    expect(missing).toMatchObject({ code: "peer_rpc_error", rpcCode: -32001 });
  });

  it("calls @a2a-js/sdk's grpcService agent: a task answer, a started task read back and canceled", async () => {
    const remote = agent(official);
    const answer = await remote.send("forecast");
    expect(answer).toMatchObject({ status: "completed", text: "Sunny", protocol: "1.0" });
    expect(answer.taskId).toEqual(expect.any(String));
    expect(answer.artifacts[0]?.parts).toEqual([{ kind: "text", text: "Sunny" }]);

    const started = await remote.start("hold");
    expect(started).toMatchObject({ kind: "task", status: { state: "working" } });
    const id = (started as { id: string }).id;
    expect((await remote.getTask(id)).status.state).toBe("working");
    expect((await remote.cancelTask(id)).status.state).toBe("canceled");
  });

  it("a call past timeoutMs is peer_timeout; an agent whose gRPC port is closed is peer_unreachable", async () => {
    const rec = await startRecorder("", undefined, true);
    const { origin } = await serveCard(grpcCard("silent", rec.url));
    const slow = await agent(origin, { timeoutMs: 300 })
      .send("hi")
      .catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(MoleculePeerError);
    expect(slow).toMatchObject({ code: "peer_timeout", retryable: true });
    expect(rec.seen).toHaveLength(1);

    const closed = new GrpcServer();
    const url = await bindGrpc(closed);
    closed.forceShutdown();
    const gone = await serveCard(grpcCard("gone", url));
    const err = await agent(gone.origin)
      .send("hi")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect(err).toMatchObject({ code: "peer_unreachable", retryable: true });
  });

  it("without a gRPC client, a gRPC-only card is a2a_binding_unsupported naming a2aGrpcTransport", async () => {
    const plain = new RemoteA2AAgent({ url: ours, allowPrivateNetwork: true });
    cleanups.push(() => plain.close());
    const err = await plain.send("hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculeError);
    expect(err).toMatchObject({ code: "a2a_binding_unsupported" });
    expect((err as Error).message).toContain("a2aGrpcTransport() of @molecule-ai/grpc");
  });
});

describe("RemoteA2AAgent over gRPC: attacks", () => {
  it("gRPC client: sends the credential of the card's declared, required scheme as metadata, and nothing else", async () => {
    const rec = await startRecorder("ok");
    // A card without security schemes, and a v1.0 card with a bearer scheme and an API key in the
    // query (required: a gRPC call has no query, so not sent) and an API key header (declared,
    // not required).
    const plain = await serveCard(grpcCard("plain", rec.url));
    const keyed = await serveCard({
      ...grpcCard("keyed", rec.url),
      securitySchemes: {
        bearerAuth: { httpAuthSecurityScheme: { scheme: "Bearer" } },
        keyAuth: { apiKeySecurityScheme: { location: "header", name: "x-api-key" } },
        queryAuth: { apiKeySecurityScheme: { location: "query", name: "key" } },
      },
      securityRequirements: [
        { schemes: { bearerAuth: { list: [] } } },
        { schemes: { queryAuth: { list: [] } } },
      ],
    });
    const credentials = {
      bearerAuth: "bearer-secret-1",
      keyAuth: "key-secret-2",
      otherAuth: "other-secret-3",
      queryAuth: "query-secret-5",
    };
    const withSchemes = agent(keyed.origin, { credentials });
    expect((await withSchemes.send("hi")).text).toBe("ok");
    expect(withSchemes.credentialSchemes).toEqual(["bearerAuth"]);
    const withNone = agent(plain.origin, { credentials });
    expect((await withNone.send("hi")).text).toBe("ok");

    // The whole metadata of each call: the version, the user agent, the one declared credential.
    const base = {
      "a2a-version": "1.0",
      "user-agent": expect.stringMatching(/^molecule-agent-core /),
    };
    expect(rec.seen).toEqual([{ ...base, authorization: "Bearer bearer-secret-1" }, base]);
    // The cards were read with no credential.
    for (const h of [...plain.seen, ...keyed.seen]) expect(h["authorization"]).toBeUndefined();
  });

  it("gRPC client: an UNAUTHENTICATED end is peer_unauthorized naming the schemes, never the credential", async () => {
    const rec = await startRecorder("ok", "the-right-one");
    const { origin } = await serveCard({
      ...grpcCard("guarded", rec.url),
      securitySchemes: { bearerAuth: { httpAuthSecurityScheme: { scheme: "Bearer" } } },
    });
    const remote = agent(origin, { credentials: { bearerAuth: "wrong-secret-4" } });
    const err = await remote.send("hi").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect(err).toMatchObject({ code: "peer_unauthorized", status: 401, retryable: false });
    expect((err as Error).message).toContain("[bearerAuth]");
    expect(
      JSON.stringify({ m: (err as Error).message, b: (err as MoleculePeerError).body }),
    ).not.toContain("wrong-secret-4");
  });

  it("gRPC client: refuses a loopback agent without allowPrivateNetwork, and a card's gRPC interface on another host", async () => {
    const rec = await startRecorder("ok");
    const card = await serveCard(grpcCard("local", rec.url));
    const refused = (() => {
      try {
        return new RemoteA2AAgent({ url: card.origin, grpc });
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toBeInstanceOf(MoleculeError);
    expect(refused).toMatchObject({ code: "a2a_address_refused" });

    // Even with allowPrivateNetwork, a card cannot send the call to another host (here the cloud
    // metadata address): nothing is called.
    const elsewhere = await serveCard(grpcCard("elsewhere", "169.254.169.254:50051"));
    const err = await agent(elsewhere.origin)
      .send("hi")
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "a2a_binding_unsupported" });
    expect((err as Error).message).toContain("not on the agent's host");
    expect(card.seen).toHaveLength(0);
    expect(rec.seen).toHaveLength(0);
  });

  it("gRPC client: refuses an answer above maxResponseBytes (peer_response_too_large)", async () => {
    const rec = await startRecorder("x".repeat(64 * 1024));
    const { origin } = await serveCard(grpcCard("big", rec.url));
    const err = await agent(origin, { maxResponseBytes: 16 * 1024 })
      .send("hi")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect(err).toMatchObject({ code: "peer_response_too_large" });
    // Within the default bound the same answer is read.
    expect((await agent(origin).send("hi")).text).toHaveLength(64 * 1024);
    expect(rec.seen).toHaveLength(2);
  });
});
