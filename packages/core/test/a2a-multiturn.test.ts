// Tasks that last more than one message, over real HTTP: a handler answers `input-required` with a
// question (`inputRequired`), the caller answers with the task's id, the same handler continues
// the task (`ctx.taskId`, `ctx.history`) and completes it with three messages in its history; a
// finished task refuses further messages, an unknown one is -32001. Proven with raw JSON-RPC (both
// dialects, blocking, non-blocking and streaming) and with the official @a2a-js/sdk clients 1.x
// and 0.3.x; also v1.0 ListTasks, streaming errors as SSE events, and the subscriber bound.
import { randomUUID } from "node:crypto";
import {
  ListTasksRequest,
  SendMessageRequest,
  SubscribeToTaskRequest,
  TaskState,
} from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { TaskNotFoundError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { ClientFactory as ClientFactory03 } from "a2a-sdk-03/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc, rpcStream } from "@internal/test-utils";
import {
  inputRequired,
  startA2AServer,
  type A2AHandlerContext,
  type A2AMessage,
  type A2AServer,
} from "../src/public/a2a.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const textOf = (m: A2AMessage): string =>
  m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");

/** What the handler was told on each call. */
const calls: Array<{ taskId: string | undefined; history: string[]; text: string }> = [];

/** Asks for a city first, then answers with the weather there (a continuation of the task). */
function weather(message: A2AMessage, ctx: A2AHandlerContext) {
  calls.push({ taskId: ctx.taskId, history: ctx.history.map(textOf), text: textOf(message) });
  if (ctx.history.length === 0) return inputRequired(ctx, "Which city?");
  return `Sunny in ${textOf(message)}`;
}

let server: A2AServer;

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: { name: "weather" },
    streaming: true,
    maxSubscribersPerTask: 2,
    onMessage: weather,
  });
});

afterAll(async () => {
  await server.close();
});

const user = (text: string, extra: Json = {}): Json => ({
  kind: "message",
  role: "user",
  messageId: randomUUID(),
  parts: [{ kind: "text", text }],
  ...extra,
});

describe("a task continued by taskId (v0.3 JSON-RPC)", () => {
  it("input-required -> answered by taskId -> completed, same id and context, history of three", async () => {
    const first = (await rpc(server.url, "message/send", { message: user("weather?") }))
      .result as Json;
    expect(first.kind).toBe("task");
    expect(first.status.state).toBe("input-required");
    expect(first.status.message.parts[0].text).toBe("Which city?");
    const { id, contextId } = first as { id: string; contextId: string };

    const second = (
      await rpc(server.url, "message/send", { message: user("Paris", { taskId: id }) })
    ).result as Json;
    expect(second).toMatchObject({ kind: "task", id, contextId, status: { state: "completed" } });
    expect(second.artifacts[0].parts[0].text).toBe("Sunny in Paris");
    expect(calls.at(-1)).toEqual({
      taskId: id,
      history: ["weather?", "Which city?"],
      text: "Paris",
    });
    const stored = (await rpc(server.url, "tasks/get", { id })).result as Json;
    expect(stored.history.map((m: Json) => [m.role, m.parts[0].text])).toEqual([
      ["user", "weather?"],
      ["agent", "Which city?"],
      ["user", "Paris"],
    ]);
    expect(stored.history.every((m: Json) => m.taskId === id && m.contextId === contextId)).toBe(
      true,
    );

    // Finished: refused (v0.3 InvalidRequest, v1.0 UnsupportedOperation), and the task unchanged.
    const again = await rpc(server.url, "message/send", { message: user("Rome", { taskId: id }) });
    expect(again.error?.code).toBe(-32600);
    const v1 = await rpc(
      server.url,
      "SendMessage",
      {
        message: { messageId: randomUUID(), role: "ROLE_USER", taskId: id, parts: [{ text: "x" }] },
      },
      true,
    );
    expect(v1.error?.code).toBe(-32004);
    expect(((await rpc(server.url, "tasks/get", { id })).result as Json).history).toHaveLength(3);
  });

  it("an unknown taskId is -32001 and a contextId that is not the task's is -32600", async () => {
    const unknown = await rpc(server.url, "message/send", {
      message: user("x", { taskId: randomUUID() }),
    });
    expect(unknown.error?.code).toBe(-32001);
    const open = (await rpc(server.url, "message/send", { message: user("q") })).result as Json;
    const wrong = await rpc(server.url, "message/send", {
      message: user("x", { taskId: open.id, contextId: "another" }),
    });
    expect(wrong.error?.code).toBe(-32600);
  });

  it("non-blocking and streaming continuations run the same task", async () => {
    const open = (await rpc(server.url, "message/send", { message: user("q") })).result as Json;
    const bg = await rpc(server.url, "message/send", {
      message: user("Oslo", { taskId: open.id }),
      configuration: { blocking: false },
    });
    expect(bg.result?.id).toBe(open.id);
    let state = "";
    for (let i = 0; i < 200 && state !== "completed"; i++) {
      state = ((await rpc(server.url, "tasks/get", { id: open.id })).result as Json).status.state;
      if (state !== "completed") await new Promise((r) => setImmediate(r));
    }
    expect(state).toBe("completed");

    const next = (await rpc(server.url, "message/send", { message: user("q") })).result as Json;
    const stream = await rpcStream(server.url, "message/stream", {
      message: user("Lima", { taskId: next.id }),
    });
    const events = await stream.rest();
    expect(events[0]).toMatchObject({ kind: "task", id: next.id, contextId: next.contextId });
    expect(events.at(-1)).toMatchObject({
      kind: "status-update",
      taskId: next.id,
      status: { state: "completed" },
      final: true,
    });
  });
});

describe("bounds of pushed requests", () => {
  it("ids longer than MAX_ID_LENGTH, empty parts and bad historyLength: -32602 naming the field", async () => {
    const long = "x".repeat(257);
    const cases: Array<[Json, string]> = [
      [{ message: { ...user("a"), messageId: long } }, "params.message.messageId"],
      [{ message: user("a", { contextId: long }) }, "params.message.contextId"],
      [{ message: user("a", { taskId: long }) }, "params.message.taskId"],
      [{ message: user("a", { referenceTaskIds: [long] }) }, "params.message.referenceTaskIds[0]"],
      [
        { message: user("a", { metadata: { molecule_in_reply_to: long } }) },
        "params.message.metadata.molecule_in_reply_to",
      ],
      [{ message: { ...user("a"), parts: [] } }, "params.message.parts"],
      [
        { message: user("a"), configuration: { historyLength: -1 } },
        "params.configuration.historyLength",
      ],
    ];
    for (const [params, field] of cases) {
      const body = await rpc(server.url, "message/send", params);
      expect({ field, code: body.error?.code }).toEqual({ field, code: -32602 });
      expect(body.error?.message).toContain(field);
    }
    for (const historyLength of [-1, 1.5]) {
      const body = await rpc(server.url, "tasks/get", { id: "t", historyLength });
      expect(body.error?.message).toContain("params.historyLength");
    }
    // Above MAX_HISTORY_LENGTH it is clamped, not refused (the spec sets no bound).
    const large = await rpc(server.url, "tasks/get", { id: "t", historyLength: 1001 });
    expect(large.error?.code).toBe(-32001);
    expect((await rpc(server.url, "tasks/get", { id: long })).error?.message).toContain(
      "params.id",
    );
  });
});

describe("streaming errors are streams", () => {
  it("v0.3: an unknown task on tasks/resubscribe is one SSE error event (-32001)", async () => {
    const stream = await rpcStream(server.url, "tasks/resubscribe", { id: randomUUID() });
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const events = await stream.rest();
    expect(events).toHaveLength(1);
    expect(events[0]!.error?.code).toBe(-32001);
  });

  it("the subscriber bound: past maxSubscribersPerTask a clear error, the others keep streaming", async () => {
    const open = (await rpc(server.url, "message/send", { message: user("q") })).result as Json;
    const a = await rpcStream(server.url, "tasks/resubscribe", { id: open.id });
    const b = await rpcStream(server.url, "tasks/resubscribe", { id: open.id });
    expect((await a.next())?.id).toBe(open.id);
    expect((await b.next())?.id).toBe(open.id);
    const third = await rpcStream(server.url, "tasks/resubscribe", { id: open.id });
    const refused = await third.next();
    expect(refused?.error?.code).toBe(-32000);
    expect(refused?.error?.message).toMatch(/Too many subscribers/);
    await rpc(server.url, "message/send", { message: user("Bern", { taskId: open.id }) });
    for (const s of [a, b]) {
      const rest = await s.rest();
      expect(rest.at(-1)).toMatchObject({ status: { state: "completed" }, final: true });
    }
  });
});

const v1Message = (text: string, taskId?: string): SendMessageRequest =>
  SendMessageRequest.fromJSON({
    message: {
      messageId: randomUUID(),
      role: "ROLE_USER",
      parts: [{ text }],
      ...(taskId !== undefined ? { taskId } : {}),
    },
  });

describe("the official @a2a-js/sdk clients hold a multi-turn task", () => {
  it("1.x: input-required, answered by taskId, completed, history 3; refused after; ListTasks", async () => {
    const client = await new ClientFactory().createFromUrl(server.cardUrl, "");
    const first = await client.sendMessage(v1Message("weather?"));
    if (!("status" in first)) throw new Error("expected a Task");
    expect(first.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const done = await client.sendMessage(v1Message("Paris", first.id));
    if (!("status" in done)) throw new Error("expected a Task");
    expect(done.id).toBe(first.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const task = await client.getTask({ id: first.id, tenant: "", historyLength: undefined });
    expect(task.history).toHaveLength(3);
    await expect(client.sendMessage(v1Message("Rome", first.id))).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    const stream = client.resubscribeTask(SubscribeToTaskRequest.fromJSON({ id: randomUUID() }));
    await expect(stream.next()).rejects.toBeInstanceOf(TaskNotFoundError);
    const list = await client.listTasks(
      ListTasksRequest.fromJSON({ contextId: first.contextId, pageSize: 10 }),
    );
    // Callers cannot be told apart: ListTasks lists no task (the caller keeps its ids).
    expect(list.tasks).toEqual([]);
    expect(list.totalSize).toBe(0);
  });

  it("0.3.x: the same exchange, and its not-found error on resubscribe", async () => {
    const client = await new ClientFactory03().createFromUrl(server.cardUrl, "");
    const first = await client.sendMessage({ message: user("weather?") as never });
    if (first.kind !== "task") throw new Error("expected a Task");
    expect(first.status.state).toBe("input-required");
    const done = await client.sendMessage({
      message: user("Paris", { taskId: first.id }) as never,
    });
    if (done.kind !== "task") throw new Error("expected a Task");
    expect(done).toMatchObject({ id: first.id, status: { state: "completed" } });
    expect((await client.getTask({ id: first.id })).history).toHaveLength(3);
    await expect(
      client.sendMessage({ message: user("Rome", { taskId: first.id }) as never }),
    ).rejects.toThrow(/-32600|terminal state/);
    const stream = client.resubscribeTask({ id: randomUUID() });
    await expect(stream.next()).rejects.toThrow(/Code: -32001/);
  });
});
