// A system under test for the A2A conformance kit (a2aproject/a2a-tck), run by bench/tck/run.sh:
// `node bench/src/tck-sut.ts <ours|official> <working|multiturn|scenarios> [legacy|rest|grpc]` prints
// its URL (the card at `<url>.well-known/agent-card.json`) and serves until SIGTERM.
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
//   scenarios  the 1.0 kit's SUT (its scenarios/*.feature: what to answer by the prefix of the
//              messageId, `tck-complete-task`, `tck-artifact-file`, `tck-stream-001`, ...), served
//              over JSON-RPC, HTTP+JSON and gRPC whatever the mode; the 1.0 kit dials the GRPC
//              interface's url as a gRPC target, so both cards give it as `host:port` here; it
//              also joins `${url}/message:send`, so the other urls have no trailing slash (ours
//              serves this agent below `/a2a`)
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createA2AHandler,
  inputRequired,
  startA2AServer,
  type A2AHandlerContext,
  type A2AHandlerOptions,
  type A2AHandlerResult,
  type A2AMessage,
  type A2APart,
  type A2ATask,
} from "@molecule-ai/agent-core/a2a";
import { freePort } from "../../internal/test-utils/src/free-port.ts";

type Impl = "ours" | "official";
type AgentKind = "working" | "multiturn" | "scenarios";

/** The kit's `TCK_STREAMING_TIMEOUT` (run.sh sets it): a resubscription task runs twice as long. */
const STREAMING_TIMEOUT_MS = Number(process.env["TCK_STREAMING_TIMEOUT"] ?? "2") * 1000;

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
      if (agent === "scenarios") return scenario(message, ctx);
      if (agent === "working") {
        const id = ctx.taskId ?? randomUUID();
        return { kind: "task", id, contextId: ctx.contextId, status: { state: "working" } };
      }
      if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
      return `Sunny in ${textOf(message)}`;
    },
  };
}

const text = (t: string): A2APart => ({ kind: "text", text: t });

/** The scenarios of the 1.0 kit (its scenarios/*.feature), on our `onMessage`. */
function scenario(
  message: A2AMessage,
  ctx: A2AHandlerContext,
): A2AHandlerResult | Promise<A2AHandlerResult> {
  const id = ctx.taskId ?? randomUUID();
  const task = (artifact?: A2APart, text?: string): A2ATask => ({
    kind: "task",
    id,
    contextId: ctx.contextId,
    status: {
      state: "completed",
      ...(text === undefined
        ? {}
        : {
            message: {
              kind: "message",
              messageId: randomUUID(),
              role: "agent",
              parts: [{ kind: "text", text }],
            },
          }),
    },
    ...(artifact === undefined
      ? {}
      : { artifacts: [{ artifactId: randomUUID(), parts: [artifact] }] }),
  });
  const file = { name: "output.txt", mimeType: "text/plain" };
  const m = message.messageId;
  const is = (prefix: string) => m.startsWith(prefix);
  // Longest prefixes first (`tck-artifact-file-url` before `tck-artifact-file`).
  if (is("tck-stream-artifact-chunked"))
    return (async function* () {
      yield "chunk-1 ";
      yield "chunk-2";
    })();
  if (is("test-resubscribe-message-id"))
    return new Promise<A2ATask>((resolve) => {
      const t = setTimeout(() => resolve(task()), 2 * STREAMING_TIMEOUT_MS);
      ctx.signal.addEventListener("abort", () => (clearTimeout(t), resolve(task())));
    });
  if (is("tck-stream-artifact-text")) return task(text("Streamed text content"));
  const bytes = Buffer.from("tck").toString("base64");
  if (is("tck-stream-artifact-file")) return task({ kind: "file", file: { ...file, bytes } });
  if (is("tck-artifact-file-url"))
    return task({ kind: "file", file: { ...file, uri: "https://example.com/output.txt" } });
  if (is("tck-stream-ordering-001")) return task(text("Ordered output"));
  if (is("tck-message-response")) return "Direct message response";
  if (is("tck-input-required")) return inputRequired(ctx, "Which city?");
  if (is("tck-complete-task")) return task(undefined, "Hello from TCK");
  if (is("tck-artifact-text")) return task(text("Generated text content"));
  if (is("tck-artifact-file")) return task({ kind: "file", file: { ...file, bytes } });
  if (is("tck-artifact-data")) return task({ kind: "data", data: { key: "value", count: 42 } });
  if (is("tck-reject-task")) return { ...task(), status: { state: "rejected" } };
  if (is("tck-stream-001")) return task(text("Stream hello from TCK"));
  if (is("tck-stream-002")) return task();
  if (is("tck-stream-003")) return task(text("Stream task lifecycle"));
  return task(undefined, `Unhandled messageId prefix: ${m}`);
}

async function serveOurs(agent: AgentKind): Promise<{ url: string; close(): Promise<void> }> {
  const server = await startA2AServer(oursOptions(agent));
  return { url: `${server.url.replace(/\/$/, "")}/`, close: () => server.close() };
}

async function serveOursGrpc(agent: AgentKind): Promise<{ url: string; close(): Promise<void> }> {
  const { startA2AGrpcServer } = await import("@molecule-ai/grpc");
  const grpcPort = await freePort();
  // Named `localhost`, as startA2AServer names a loopback server (its card follows the Host).
  // The 1.0 kit joins an interface's url and a route (`${url}/message:send`) without looking at
  // a trailing slash; the card's url is the endpoint's (`/` on the root), so the scenarios run
  // serves it below `/a2a`, whose url has none.
  const basePath = agent === "scenarios" ? "/a2a" : "/";
  const a2a = createA2AHandler({
    ...oursOptions(agent),
    basePath,
    grpcUrl: agent === "scenarios" ? `localhost:${grpcPort}` : `http://localhost:${grpcPort}`,
  });
  const httpServer = createServer((req, res) => void a2a.handleNode(req, res));
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const grpc = await startA2AGrpcServer({ handler: a2a, pathSecret: false, port: grpcPort });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://localhost:${port}${basePath === "/" ? "" : basePath}/`;
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
  const { AgentCard, Message, Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent } =
    await import("@a2a-js/sdk");
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
  const grpcPort = grpc ? await freePort() : undefined;
  const grpcUrl =
    grpcPort === undefined
      ? undefined
      : agent === "scenarios"
        ? `127.0.0.1:${grpcPort}`
        : `http://127.0.0.1:${grpcPort}`;
  // As in ours: the 1.0 kit joins `${url}/message:send`, so its interfaces' urls have no trailing slash.
  const at = agent === "scenarios" ? url.replace(/\/$/, "") : url;
  const card = AgentCard.fromJSON({
    name: `tck ${agent} (official)`,
    description: "A2A conformance kit agent",
    version: "1.0.0",
    supportedInterfaces: [
      { url: at, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      ...(rest ? [{ url: at, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" }] : []),
      ...(grpcUrl ? [{ url: grpcUrl, protocolBinding: "GRPC", protocolVersion: "1.0" }] : []),
      // Listed without `legacy` too: the kit sends no A2A-Version header, which the official
      // server reads as 0.3 and refuses (-32009, HTTP 400 over HTTP+JSON) unless the card lists
      // 0.3 for that binding (ours reads a request without the header by its method or path).
      { url: at, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      ...(rest ? [{ url: at, protocolBinding: "HTTP+JSON", protocolVersion: "0.3" }] : []),
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
    userMessage: { messageId: string; parts: { content?: { $case: string; value: unknown } }[] };
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
  /** The 1.0 kit's scenarios (its scenarios/*.feature), as its generated a2a-python SUT runs them. */
  const scenario = async (ctx: Ctx, bus: Bus, signal: AbortSignal) => {
    const { taskId, contextId } = ctx;
    const m = ctx.userMessage.messageId;
    const is = (prefix: string) => m.startsWith(prefix);
    const publishStatus = (state: string, text?: string) =>
      bus.publish(AgentEvent.statusUpdate(status(taskId, contextId, state, text)));
    const artifact = (
      part: unknown,
      artifactId = randomUUID(),
      append = false,
      lastChunk = false,
    ) =>
      bus.publish(
        AgentEvent.artifactUpdate(
          TaskArtifactUpdateEvent.fromJSON({
            taskId,
            contextId,
            artifact: { artifactId, parts: [part] },
            append,
            lastChunk,
          }),
        ),
      );
    const file = { filename: "output.txt", mediaType: "text/plain" };
    const raw = { ...file, raw: Buffer.from("tck").toString("base64") };
    if (is("tck-message-response")) {
      bus.publish(
        AgentEvent.message(
          Message.fromJSON({
            messageId: randomUUID(),
            role: "ROLE_AGENT",
            contextId,
            parts: [{ text: "Direct message response" }],
          }),
        ),
      );
      return;
    }
    bus.publish(
      AgentEvent.task(
        (ctx.task as never) ??
          Task.fromJSON({ id: taskId, contextId, status: { state: "TASK_STATE_SUBMITTED" } }),
      ),
    );
    // Longest prefixes first (`tck-artifact-file-url` before `tck-artifact-file`).
    const streamed: [string, unknown][] = [
      ["tck-stream-artifact-text", { text: "Streamed text content" }],
      ["tck-stream-artifact-file", raw],
      ["tck-stream-ordering-001", { text: "Ordered output" }],
      ["tck-stream-001", { text: "Stream hello from TCK" }],
      ["tck-stream-003", { text: "Stream task lifecycle" }],
    ];
    const done: [string, unknown][] = [
      ["tck-artifact-file-url", { ...file, url: "https://example.com/output.txt" }],
      ["tck-artifact-text", { text: "Generated text content" }],
      ["tck-artifact-file", raw],
      ["tck-artifact-data", { data: { key: "value", count: 42 } }],
    ];
    const s = streamed.find(([p]) => is(p));
    const d = done.find(([p]) => is(p));
    if (is("tck-stream-artifact-chunked")) {
      publishStatus("TASK_STATE_WORKING");
      const id = randomUUID();
      artifact({ text: "chunk-1 " }, id, false, false);
      artifact({ text: "chunk-2" }, id, true, true);
      publishStatus("TASK_STATE_COMPLETED");
    } else if (is("test-resubscribe-message-id")) {
      publishStatus("TASK_STATE_WORKING");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2 * STREAMING_TIMEOUT_MS);
        signal.addEventListener("abort", () => (clearTimeout(t), resolve()));
      });
      if (!signal.aborted) publishStatus("TASK_STATE_COMPLETED");
    } else if (s !== undefined) {
      publishStatus("TASK_STATE_WORKING");
      artifact(s[1]);
      publishStatus("TASK_STATE_COMPLETED");
    } else if (d !== undefined) {
      artifact(d[1]);
      publishStatus("TASK_STATE_COMPLETED");
    } else if (is("tck-input-required")) {
      publishStatus("TASK_STATE_INPUT_REQUIRED", "Which city?");
    } else if (is("tck-reject-task")) {
      publishStatus("TASK_STATE_REJECTED");
    } else if (is("tck-complete-task")) {
      publishStatus("TASK_STATE_COMPLETED", "Hello from TCK");
    } else if (is("tck-stream-002")) {
      publishStatus("TASK_STATE_COMPLETED");
    } else {
      publishStatus("TASK_STATE_COMPLETED", `Unhandled messageId prefix: ${m}`);
    }
  };
  /** The running scenarios' aborts, by task (a cancel ends a resubscription task's wait). */
  const running = new Map<string, AbortController>();
  const executor = {
    async execute(ctx: Ctx, bus: Bus) {
      const { taskId, contextId } = ctx;
      if (agent === "scenarios") {
        const abort = new AbortController();
        running.set(taskId, abort);
        try {
          await scenario(ctx, bus, abort.signal);
        } finally {
          running.delete(taskId);
        }
        bus.finished();
        return;
      }
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
      running.get(taskId)?.abort();
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
      server.bindAsync(`127.0.0.1:${grpcPort}`, ServerCredentials.createInsecure(), (err, port) =>
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
if (
  (impl !== "ours" && impl !== "official") ||
  (agent !== "working" && agent !== "multiturn" && agent !== "scenarios")
) {
  console.error(
    "usage: tck-sut.ts <ours|official> <working|multiturn|scenarios> [legacy|rest|grpc]",
  );
  process.exit(2);
}
const grpc = mode === "grpc" || agent === "scenarios";
const sut =
  impl === "ours"
    ? await (grpc ? serveOursGrpc(agent) : serveOurs(agent))
    : await serveOfficial(agent, mode === "legacy", mode === "rest" || grpc, grpc);
console.log(sut.url);
process.once("SIGTERM", () => void sut.close().then(() => process.exit(0)));
