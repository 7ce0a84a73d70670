// A system under test for the A2A conformance kit (a2aproject/a2a-tck), run by bench/tck/run.sh:
// `node bench/src/tck-sut.ts <ours|official> <working|multiturn> [legacy|rest]` prints its URL
// (the card at `<url>.well-known/agent-card.json`) and serves until SIGTERM.
//
//   ours       startA2AServer (no path secret, streaming on), the agent as an onMessage handler; it
//              serves JSON-RPC and HTTP+JSON on the same URL (its card lists both) and push
//              notifications, with webhooks on loopback allowed (the kit's webhook listens on
//              localhost: a local run allows what a deployment should not)
//   official   an @a2a-js/sdk 1.3 Express server (DefaultRequestHandler, InMemoryTaskStore), the same
//              agent as an AgentExecutor; `legacy` enables its v0.3 compatibility layer (the v0.3
//              kit); `rest` adds its HTTP+JSON handler (restHandler) on the same URL as JSON-RPC,
//              with the same interfaces in its card as ours; push notifications on (its in-memory
//              config store and default sender), as in our card
//
//   working    answers every message with its task in `working` and keeps it there (until canceled):
//              the kit's ListTasks, GetTask and CancelTask tests wait for a task in `working`
//   multiturn  asks for input on a new task and completes it with the caller's answer
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inputRequired, startA2AServer, type A2AMessage } from "@molecule-ai/agent-core/a2a";

type Impl = "ours" | "official";
type AgentKind = "working" | "multiturn";

const textOf = (m: A2AMessage): string =>
  m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");

async function serveOurs(agent: AgentKind): Promise<{ url: string; close(): Promise<void> }> {
  const server = await startA2AServer({
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
  });
  return { url: `${server.url.replace(/\/$/, "")}/`, close: () => server.close() };
}

async function serveOfficial(
  agent: AgentKind,
  legacy: boolean,
  rest: boolean,
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
  const card = AgentCard.fromJSON({
    name: `tck ${agent} (official)`,
    description: "A2A conformance kit agent",
    version: "1.0.0",
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      ...(rest ? [{ url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" }] : []),
      // Listed without `legacy` too: the kit sends no A2A-Version header, which the official
      // server reads as 0.3 and refuses (-32009, HTTP 400 over HTTP+JSON) unless the card lists
      // 0.3 for that binding (ours reads a request without the header by its method or path).
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      ...(rest ? [{ url, protocolBinding: "HTTP+JSON", protocolVersion: "0.3" }] : []),
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
  return {
    url,
    close: () => new Promise<void>((resolve) => httpServer.close(() => resolve())),
  };
}

const [impl, agent, mode] = process.argv.slice(2) as [Impl, AgentKind, string | undefined];
if ((impl !== "ours" && impl !== "official") || (agent !== "working" && agent !== "multiturn")) {
  console.error("usage: tck-sut.ts <ours|official> <working|multiturn> [legacy|rest]");
  process.exit(2);
}
const sut =
  impl === "ours"
    ? await serveOurs(agent)
    : await serveOfficial(agent, mode === "legacy", mode === "rest");
console.log(sut.url);
process.once("SIGTERM", () => void sut.close().then(() => process.exit(0)));
