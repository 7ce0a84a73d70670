// The HTTP+JSON binding (issue #61) with @a2a-js/sdk 1.3's own REST client (its RestTransport,
// chosen from our card) over real HTTP: a multi-turn task, GetTask with historyLength, ListTasks
// with filters, a streamed send, SubscribeToTask followed until CancelTask ends it, push
// notification configs (create, get, list, delete), the authenticated extended card, and the
// typed errors the client maps from our google.rpc.Status bodies. The card lists each binding once.
import {
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTasksRequest,
  SubscribeToTaskRequest,
  TaskPushNotificationConfig,
  TaskState,
} from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from "@a2a-js/sdk/client";
import { TaskNotFoundError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputRequired, startA2AServer, type A2AServer } from "../src/public/a2a.js";
import { hold, request, taskOf } from "./fixtures/a2a-v1-client.js";

let server: A2AServer;

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: { name: "weather", description: "asks for a city" },
    streaming: true,
    extendedAgentCard: {
      authorize: (headers) => headers.get("authorization") === "Bearer member",
      card: {
        name: "weather",
        description: "members see the forecast skill",
        skills: [{ id: "forecast", name: "Forecast", description: "7 days", tags: ["weather"] }],
      },
    },
    onMessage: (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (text === "hold") return hold(ctx.signal);
      if (text === "stream")
        return (async function* () {
          yield "Sun";
          yield "ny";
        })();
      if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
      return `Sunny in ${text}`;
    },
  });
});

afterAll(async () => {
  await server?.close();
});

/** A client that picks HTTP+JSON from our card (JSON-RPC is listed first). */
async function restClient(headers?: Record<string, string>): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) =>
    fetch(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string>), ...headers },
    });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new RestTransportFactory({ fetchImpl })],
      preferredTransports: ["HTTP+JSON"],
    }),
  );
  return await factory.createFromUrl(server.cardUrl, "");
}

describe("@a2a-js/sdk 1.3's REST client on our server", () => {
  let client: Client;
  beforeAll(async () => {
    client = await restClient();
  });

  it("reads a card that lists each binding once, and speaks HTTP+JSON 1.0", async () => {
    const card = (await (await fetch(server.cardUrl)).json()) as Record<string, unknown>;
    const bindings = (card.supportedInterfaces as { protocolBinding: string }[]).map(
      (i) => i.protocolBinding,
    );
    expect(bindings).toEqual(["JSONRPC", "HTTP+JSON"]);
    expect(card.additionalInterfaces).toEqual([{ url: server.url, transport: "JSONRPC" }]);
    expect(client.transport.protocolName).toBe("HTTP+JSON");
    expect(client.protocolVersion).toBe("1.0");
  });

  it("holds a multi-turn task and reads it back with historyLength", async () => {
    const first = await taskOf(client, request("weather?"));
    expect(first.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const done = await taskOf(client, request("Paris", { taskId: first.id }));
    expect(done.id).toBe(first.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const got = await client.getTask(GetTaskRequest.fromJSON({ id: first.id, historyLength: 1 }));
    expect(got.history).toHaveLength(1);
    expect(got.artifacts[0]?.parts[0]?.content).toEqual({ $case: "text", value: "Sunny in Paris" });
  });

  it("ListTasks answers an empty page: no caller is shown another's tasks", async () => {
    const contextId = crypto.randomUUID();
    for (let i = 0; i < 3; i++) await taskOf(client, request(`q ${i}`, { contextId }));
    const page = await client.listTasks(ListTasksRequest.fromJSON({ contextId, pageSize: 2 }));
    const asking = await client.listTasks(
      ListTasksRequest.fromJSON({ contextId, status: "TASK_STATE_INPUT_REQUIRED" }),
    );
    expect([page.tasks, page.nextPageToken, page.totalSize, asking.tasks]).toEqual([[], "", 0, []]);
  });

  it("streams a send: the task, its artifact chunks, the final status", async () => {
    const cases: string[] = [];
    let text = "";
    for await (const event of client.sendMessageStream(request("stream"))) {
      cases.push(event.payload!.$case);
      if (event.payload?.$case === "artifactUpdate") {
        const content = event.payload.value.artifact?.parts[0]?.content;
        if (content?.$case === "text") text += content.value;
      }
    }
    expect(cases[0]).toBe("task");
    expect(cases.at(-1)).toBe("statusUpdate");
    expect(text).toBe("Sunny");
  });

  it("follows a running task with SubscribeToTask until CancelTask ends it", async () => {
    const held = await taskOf(client, request("hold", { background: true }));
    const events = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: held.id }));
    const first = await events.next();
    expect(first.value?.payload?.$case).toBe("task");
    const canceled = await client.cancelTask(CancelTaskRequest.fromJSON({ id: held.id }));
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    let last: TaskState | undefined;
    for await (const event of events) {
      if (event.payload?.$case === "statusUpdate") last = event.payload.value.status?.state;
    }
    expect(last).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it("keeps push notification configs of a task: create, get, list, delete", async () => {
    const task = await taskOf(client, request("weather?"));
    const created = await client.createTaskPushNotificationConfig(
      TaskPushNotificationConfig.fromJSON({
        taskId: task.id,
        id: "hook-1",
        url: "https://hooks.example.com/a2a",
        token: "t-1",
        authentication: { scheme: "Bearer", credentials: "c-1" },
      }),
    );
    // The token and credentials are sent to the webhook only: never answered, not even to the setter.
    expect(created).toMatchObject({ taskId: task.id, id: "hook-1", token: "" });
    const got = await client.getTaskPushNotificationConfig(
      GetTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: "hook-1" }),
    );
    expect(got.url).toBe("https://hooks.example.com/a2a");
    expect(got.token).toBe("");
    expect(got.authentication).toEqual({ scheme: "Bearer", credentials: "" });
    const listed = await client.listTaskPushNotificationConfig(
      ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }),
    );
    expect(listed.configs.map((c) => c.id)).toEqual(["hook-1"]);
    await client.deleteTaskPushNotificationConfig(
      DeleteTaskPushNotificationConfigRequest.fromJSON({ taskId: task.id, id: "hook-1" }),
    );
    const after = await client.listTaskPushNotificationConfig(
      ListTaskPushNotificationConfigsRequest.fromJSON({ taskId: task.id }),
    );
    expect(after.configs).toEqual([]);
  });

  it("answers typed errors: an unknown task, a finished task's subscription, a bad page size", async () => {
    await expect(client.getTask(GetTaskRequest.fromJSON({ id: "missing" }))).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
    const done = await taskOf(client, request("weather?"));
    await client.cancelTask(CancelTaskRequest.fromJSON({ id: done.id }));
    const sub = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: done.id }));
    await expect(sub.next()).rejects.toBeInstanceOf(UnsupportedOperationError);
    const bad = await fetch(`${server.url}/tasks?pageSize=0`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/a2a+json");
    expect(((await bad.json()) as { error: { status: string } }).error.status).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("serves the extended card only behind the caller's credentials", async () => {
    await expect(client.getAgentCard()).rejects.toMatchObject({ statusCode: 401 });
    const member = await restClient({ authorization: "Bearer member" });
    const card = await member.getAgentCard();
    expect(card.skills.map((s) => s.id)).toEqual(["forecast"]);
    expect(card.supportedInterfaces.map((i) => i.protocolBinding)).toEqual([
      "JSONRPC",
      "HTTP+JSON",
    ]);
  });
});

describe("the same server over JSON-RPC", () => {
  it("answers the same task to both bindings", async () => {
    const rest = await restClient();
    const rpc = await new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory()],
      }),
    ).createFromUrl(server.cardUrl, "");
    expect(rpc.transport.protocolName).toBe("JSONRPC");
    const task = await taskOf(rest, request("weather?"));
    const seen = await rpc.getTask(GetTaskRequest.fromJSON({ id: task.id }));
    expect(seen).toEqual(await rest.getTask(GetTaskRequest.fromJSON({ id: task.id })));
  });
});

describe("proto field names", () => {
  it("a body under the proto's own names (snake_case) is read as under its JSON names", async () => {
    const contextId = crypto.randomUUID();
    const metadata = { caller_note: { keep_me: 1 } };
    const res = await fetch(`${server.url}/message:send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        message: {
          message_id: crypto.randomUUID(),
          context_id: contextId,
          role: "ROLE_USER",
          parts: [{ text: "weather?" }],
          metadata,
        },
        configuration: { history_length: 5 },
      }),
    });
    expect(res.status).toBe(200);
    const { task } = (await res.json()) as {
      task: { id: string; contextId: string; status: { state: string } };
    };
    expect(task.contextId).toBe(contextId);
    expect(task.status.state).toBe("TASK_STATE_INPUT_REQUIRED");
    // The sender's own JSON (a Struct) is kept as sent: never renamed inside.
    const got = await fetch(`${server.url}/tasks/${task.id}`);
    const body = (await got.json()) as { history: { metadata?: unknown }[] };
    expect(body.history[0]?.metadata).toEqual(metadata);
  });
});

/** A v1.0 JSON-RPC call to the server under test. */
async function rpc(method: string, params: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", "a2a-version": "1.0" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("proto field names over JSON-RPC v1.0", () => {
  it("SendMessage and GetTask params under the proto's names (message_id, task_id...) are read, not -32602", async () => {
    const contextId = crypto.randomUUID();
    const sent = await rpc("SendMessage", {
      message: {
        message_id: crypto.randomUUID(),
        context_id: contextId,
        role: "ROLE_USER",
        parts: [{ text: "weather?" }],
        metadata: { caller_note: 1 },
      },
      configuration: { history_length: 5 },
    });
    expect(sent["error"]).toBeUndefined();
    const { task } = sent["result"] as { task: { id: string; contextId: string } };
    expect(task.contextId).toBe(contextId);
    const got = await rpc("GetTask", { id: task.id, history_length: 1 });
    expect(got["error"]).toBeUndefined();
    expect((got["result"] as { id: string }).id).toBe(task.id);
    // A follow-up in the same task, naming it by its proto name.
    const followUp = await rpc("SendMessage", {
      message: {
        message_id: crypto.randomUUID(),
        task_id: task.id,
        context_id: contextId,
        role: "ROLE_USER",
        parts: [{ text: "in Paris" }],
      },
    });
    expect(followUp["error"]).toBeUndefined();
  });
});
