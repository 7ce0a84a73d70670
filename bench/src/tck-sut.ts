// A system under test for the A2A conformance kit (a2aproject/a2a-tck), run by bench/tck/run.sh:
// `node bench/src/tck-sut.ts <ours|official> <working|multiturn> [legacy|rest|grpc]` prints its URL
// (the card at `<url>.well-known/agent-card.json`) and serves until SIGTERM.
//
//   ours       startA2AServer (no path secret, streaming on), the agent as an onMessage handler; it
//              serves JSON-RPC and HTTP+JSON on the same URL (its card lists both) and push
//              notifications, with webhooks on loopback allowed (the kit's webhook listens on
//              localhost: a local run allows what a deployment should not); `grpc`: the same
//              handler options through createA2AHandler on a node:http server, and its gRPC binding
//              (@molecule-ai/grpc startA2AGrpcServer, no tenant) on a second port, listed in the
//              card by `grpcUrl`
//   official   an @a2a-js/sdk 1.3 Express server (DefaultRequestHandler, InMemoryTaskStore), the same
//              agent as an AgentExecutor; `legacy` enables its v0.3 compatibility layer (the v0.3
//              kit); `rest` adds its HTTP+JSON handler (restHandler) on the same URL as JSON-RPC,
//              with the same interfaces in its card as ours; `grpc` is `rest` plus its gRPC service
//              (@a2a-js/sdk/server/grpc grpcService on a @grpc/grpc-js server) on a second port;
//              push notifications on (its in-memory config store and default sender), as in our card
//
// The GRPC interface's url is `http://<host>:<port>` in both cards (ours `localhost` as in its
// other modes, the official one `127.0.0.1` as in its other modes): the kit's gRPC client reads a
// URL (its scheme says TLS or not; a bare `host:port` parses to no host), where @a2a-js/sdk's
// client would take `host:port`.
//
//   working    answers every message with its task in `working` and keeps it there (until canceled):
//              the kit's ListTasks, GetTask and CancelTask tests wait for a task in `working`
//   multiturn  asks for input on a new task and completes it with the caller's answer
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import {
  createA2AHandler,
  inputRequired,
  startA2AServer,
  type A2AHandlerOptions,
  type A2AMessage,
} from "@molecule-ai/agent-core/a2a";

type Impl = "ours" | "official";
type AgentKind = "working" | "multiturn";

const textOf = (m: A2AMessage): string =>
  m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");

/** The agent's options, the same over HTTP alone and with gRPC. */
function oursOptions(agent: AgentKind): A2AHandlerOptions {
  return {
    agentCard: {
      name: `tck ${agent}`,
      description: "A2A conformance kit agent",
      skills: [{ id: "tck", name: "tck", description: "tck", tags: ["tck"] }],
    },
    pathSecret: false,
    streaming: true,
    pushNotifications: { allowAddresses: "private" },
    onMessage: (message, ctx) => {
      if (agent === "working") {
        const id = ctx.taskId ?? randomUUID();
        return { kind: "task", id, contextId: ctx.contextId, status: { state: "working" } };
      }
      if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
      return `Sunny in ${textOf(message)}`;
    },
  };
}

async function serveOurs(agent: AgentKind): Promise<{ url: string; close(): Promise<void> }> {
  const server = await startA2AServer(oursOptions(agent));
  return { url: `${server.url.replace(/\/$/, "")}/`, close: () => server.close() };
}

/** A free loopback port (the gRPC server's, known before the card that names it). */
async function freePort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function serveOursGrpc(agent: AgentKind): Promise<{ url: string; close(): Promise<void> }> {
  const { startA2AGrpcServer } = await import("@molecule-ai/grpc");
  const grpcPort = await freePort();
  // Named `localhost`, as startA2AServer names a loopback server (its card follows the Host).
  const a2a = createA2AHandler({
    ...oursOptions(agent),
    grpcUrl: `http://localhost:${grpcPort}`,
  });
  const httpServer = createServer((req, res) => void a2a.handleNode(req, res));
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const grpc = await startA2AGrpcServer({ handler: a2a, pathSecret: false, port: grpcPort });
  const url = `http://localhost:${(httpServer.address() as AddressInfo).port}/`;
  return {
    url,
    close: async () => {
      await grpc.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

async function serveOfficial(
  agent: AgentKind,
  legacy: boolean,
  rest: boolean,
  grpc: boolean,
): Promise<{ url: string; close(): Promise<void> }> {
  const express = (await import("express")).default;
  const { AgentCard, Task, TaskStatusUpdateEvent } = await import("@a2a-js/sdk");
  const {
    AgentEvent,
    DefaultExecutionEventBusManager,
    DefaultPushNotificationSender,
    DefaultRequestHandler,
    InMemoryPushNotificationStore,
    InMemoryTaskStore,
  } = await import("@a2a-js/sdk/server");
  const { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } =
    await import("@a2a-js/sdk/server/express");
  const app = express();
  const httpServer = createServer(app);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/`;
  const grpcUrl = grpc ? `http://127.0.0.1:${await freePort()}` : undefined;
  const card = AgentCard.fromJSON({
    name: `tck ${agent} (official)`,
    description: "A2A conformance kit agent",
    version: "1.0.0",
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      ...(rest ? [{ url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" }] : []),
      ...(grpcUrl ? [{ url: grpcUrl, protocolBinding: "GRPC", protocolVersion: "1.0" }] : []),
      // Listed without `legacy` too: the kit sends no A2A-Version header, which the official
      // server reads as 0.3 and refuses (-32009, HTTP 400 over HTTP+JSON) unless the card lists
      // 0.3 for that binding (ours reads a request without the header by its method or path).
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      ...(rest ? [{ url, protocolBinding: "HTTP+JSON", protocolVersion: "0.3" }] : []),
      // The gRPC service checks the version as the others do (metadata `a2a-version`, none sent).
      ...(grpcUrl ? [{ url: grpcUrl, protocolBinding: "GRPC", protocolVersion: "0.3" }] : []),
    ],
    capabilities: { streaming: true, pushNotifications: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [{ id: "tck", name: "tck", description: "tck", tags: ["tck"] }],
  });
  type Bus = { publish(e: unknown): void; finished(): void };
  type Ctx = {
    taskId: string;
    contextId: string;
    task?: unknown;
    userMessage: { parts: { content?: { $case: string; value: unknown } }[] };
  };
  const status = (taskId: string, contextId: string, state: string, text?: string) =>
    TaskStatusUpdateEvent.fromJSON({
      taskId,
      contextId,
      status: {
        state,
        ...(text === undefined
          ? {}
          : {
              message: {
                messageId: randomUUID(),
                role: "ROLE_AGENT",
                taskId,
                contextId,
                parts: [{ text }],
              },
            }),
      },
    });
  const executor = {
    async execute(ctx: Ctx, bus: Bus) {
      const { taskId, contextId } = ctx;
      if (ctx.task === undefined) {
        const state = agent === "working" ? "TASK_STATE_WORKING" : "TASK_STATE_SUBMITTED";
        bus.publish(AgentEvent.task(Task.fromJSON({ id: taskId, contextId, status: { state } })));
      } else {
        bus.publish(AgentEvent.task(ctx.task as never));
      }
      if (agent === "multiturn") {
        if (ctx.task === undefined) {
          bus.publish(
            AgentEvent.statusUpdate(
              status(taskId, contextId, "TASK_STATE_INPUT_REQUIRED", "Which city?"),
            ),
          );
        } else {
          const content = ctx.userMessage.parts[0]?.content;
          const text = content?.$case === "text" ? String(content.value) : "";
          bus.publish(
            AgentEvent.statusUpdate(
              status(taskId, contextId, "TASK_STATE_COMPLETED", `Sunny in ${text}`),
            ),
          );
        }
      }
      bus.finished();
    },
    async cancelTask(taskId: string, bus: Bus) {
      bus.publish(AgentEvent.statusUpdate(status(taskId, "", "TASK_STATE_CANCELED")));
      bus.finished();
    },
  };
  const pushes = new InMemoryPushNotificationStore();
  const handler = new DefaultRequestHandler(
    card,
    new InMemoryTaskStore(),
    executor as never,
    new DefaultExecutionEventBusManager(),
    pushes,
    new DefaultPushNotificationSender(pushes),
  );
  const compat = legacy ? { legacyCompat: { enabled: true } } : {};
  app.use(
    "/.well-known/agent-card.json",
    agentCardHandler({ agentCardProvider: handler, ...compat } as never),
  );
  const rpc = jsonRpcHandler({
    requestHandler: handler,
    userBuilder: UserBuilder.noAuthentication,
    ...compat,
  });
  if (rest) {
    // JSON-RPC on "/" only, the HTTP+JSON routes (/message:send, /tasks/...) beside it: each
    // router's guards would otherwise see the other's requests.
    app.use((req, res, next) => (req.path === "/" ? rpc(req, res, next) : next()));
    app.use(restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  } else {
    app.use(rpc);
  }
  let grpcServer: { tryShutdown(cb: () => void): void } | undefined;
  if (grpcUrl !== undefined) {
    const { Server, ServerCredentials } = await import("@grpc/grpc-js");
    const { A2AService, grpcService } = await import("@a2a-js/sdk/server/grpc");
    const server = new Server();
    server.addService(
      A2AService,
      grpcService({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }),
    );
    await new Promise<number>((resolve, reject) =>
      server.bindAsync(new URL(grpcUrl).host, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    grpcServer = server;
  }
  return {
    url,
    close: async () => {
      if (grpcServer) await new Promise<void>((resolve) => grpcServer.tryShutdown(resolve));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

const [impl, agent, mode] = process.argv.slice(2) as [Impl, AgentKind, string | undefined];
if ((impl !== "ours" && impl !== "official") || (agent !== "working" && agent !== "multiturn")) {
  console.error("usage: tck-sut.ts <ours|official> <working|multiturn> [legacy|rest|grpc]");
  process.exit(2);
}
const grpc = mode === "grpc";
const sut =
  impl === "ours"
    ? await (grpc ? serveOursGrpc(agent) : serveOurs(agent))
    : await serveOfficial(agent, mode === "legacy", mode === "rest" || grpc, grpc);
console.log(sut.url);
process.once("SIGTERM", () => void sut.close().then(() => process.exit(0)));
