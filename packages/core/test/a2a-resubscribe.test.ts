// tasks/resubscribe (v0.3) and SubscribeToTask (v1.0) on one A2A server with the in-memory task
// store, over real HTTP: a new stream of a running task gets the Task, then its remaining updates
// and the final status, and closes; streamed chunks arrive as appended artifact updates; a cancel
// ends it `canceled`; a caller that goes away does not cancel the task; the official 1.x client
// reads it; unknown, finished and non-streaming cases answer the spec's errors.
import { randomUUID } from "node:crypto";
import { TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { afterEach, describe, expect, it } from "vitest";
import { rpc, rpcStream, waitFor } from "@internal/test-utils";
import { Scope } from "../src/a2a/server/scope.js";
import { MemoryTaskStore } from "../src/a2a/server/store.js";
import { TaskHub } from "../src/a2a/server/task-hub.js";
import { subscribe } from "../src/a2a/server/task-subscribe.js";
import type { A2ATask } from "../src/a2a/types.js";
import { startA2AServer, type A2AMessage, type A2AServer } from "../src/public/a2a.js";

const servers: A2AServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const text = (m: A2AMessage): string =>
  m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
const userMessage = (t: string): Json => ({
  kind: "message",
  role: "user",
  messageId: randomUUID(),
  parts: [{ kind: "text", text: t }],
});

/** A streaming server whose handler yields the chunks the test releases, one per `step()`. */
async function steppedServer(streaming = true) {
  const steps: Array<() => void> = [];
  const aborted: string[] = [];
  const server = await startA2AServer({
    agentCard: { name: "stepper" },
    streaming,
    onMessage: async function* (message, ctx) {
      for (const word of text(message).split(" ")) {
        await new Promise<void>((resolve) => {
          steps.push(resolve);
          ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        if (ctx.signal.aborted) {
          aborted.push(text(message));
          return;
        }
        yield `${word} `;
      }
    },
  });
  servers.push(server);
  /** Lets the handler produce its next chunk (waits until it is waiting for one). */
  const step = async (): Promise<void> => {
    await waitFor(() => steps.length > 0);
    steps.shift()!();
  };
  return { server, url: server.url, step, aborted };
}

/** A non-blocking send: the task id. */
async function startTask(url: string, t: string, v1 = false): Promise<string> {
  const body = v1
    ? await rpc(
        url,
        "SendMessage",
        {
          message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: t }] },
          configuration: { returnImmediately: true },
        },
        true,
      )
    : await rpc(url, "message/send", {
        message: userMessage(t),
        configuration: { blocking: false },
      });
  const id = (v1 ? body["result"]?.task?.id : body["result"]?.id) as string | undefined;
  if (typeof id !== "string") throw new Error(`no task: ${JSON.stringify(body)}`);
  return id;
}

describe("tasks/resubscribe (v0.3)", () => {
  it("a running background task: the Task, then its result and the final status", async () => {
    const { url, step } = await steppedServer();
    const id = await startTask(url, "one two");
    await waitFor(
      async () => (await rpc(url, "tasks/get", { id })).result?.status?.state === "working",
    );
    const sub = await rpcStream(url, "tasks/resubscribe", { id });
    expect(sub.contentType).toBe("text/event-stream");
    const first = await sub.next();
    expect(first).toMatchObject({ kind: "task", id, status: { state: "working" } });
    await step();
    await step();
    const rest = await sub.rest(); // the server closes the stream after the final status
    expect(rest.map((e) => e["kind"])).toEqual(["artifact-update", "status-update"]);
    expect(rest[0]!["artifact"].parts).toEqual([{ kind: "text", text: "one two " }]);
    expect(rest[1]).toMatchObject({ taskId: id, status: { state: "completed" }, final: true });
  });

  it("a streamed task: chunks arrive as appended artifact updates on the new stream", async () => {
    const { url, step } = await steppedServer();
    const original = await rpcStream(url, "message/stream", { message: userMessage("a b c") });
    const task = await original.next();
    const id = task!["id"] as string;
    await step(); // "a "
    expect((await original.next())!["kind"]).toBe("artifact-update");
    const sub = await rpcStream(url, "tasks/resubscribe", { id });
    const snap = await sub.next();
    expect(snap).toMatchObject({ kind: "task", status: { state: "working" } });
    expect(snap!["artifacts"][0].parts[0].text).toBe("a ");
    await step(); // "b "
    expect(await sub.next()).toMatchObject({
      kind: "artifact-update",
      append: true,
      artifact: { parts: [{ kind: "text", text: "b " }] },
    });
    await step(); // "c "
    const rest = await sub.rest();
    expect(rest[0]).toMatchObject({ kind: "artifact-update", append: true });
    expect(rest[0]!["artifact"].parts[0].text).toBe("c ");
    expect(rest.at(-1)).toMatchObject({
      kind: "status-update",
      status: { state: "completed" },
      final: true,
    });
    const done = await original.rest();
    expect(done.at(-1)).toMatchObject({ status: { state: "completed" } });
  });

  it("a cancel ends the new stream `canceled`; a resubscriber that hangs up cancels nothing", async () => {
    const { url, step, aborted } = await steppedServer();
    const id = await startTask(url, "x y");
    const leaver = await rpcStream(url, "tasks/resubscribe", { id });
    await leaver.next();
    leaver.close();
    await step();
    const sub = await rpcStream(url, "tasks/resubscribe", { id });
    expect((await sub.next())!["status"].state).toBe("working");
    expect(aborted).toEqual([]);
    expect((await rpc(url, "tasks/cancel", { id })).result?.status?.state).toBe("canceled");
    const rest = await sub.rest();
    expect(rest.at(-1)).toMatchObject({
      kind: "status-update",
      status: { state: "canceled" },
      final: true,
    });
    expect(rest.filter((e) => e["kind"] === "status-update")).toHaveLength(1);
    await waitFor(() => aborted.length === 1);
  });

  it("a finished task: one event (the Task), then the stream closes; unknown: -32001", async () => {
    const { url, step } = await steppedServer();
    const id = await startTask(url, "done");
    await step();
    await waitFor(
      async () => (await rpc(url, "tasks/get", { id })).result?.status?.state === "completed",
    );
    const sub = await rpcStream(url, "tasks/resubscribe", { id });
    const events = await sub.rest();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "task", id, status: { state: "completed" } });
    expect((await rpc(url, "tasks/resubscribe", { id: "nope" })).error?.code).toBe(-32001);
    expect((await rpc(url, "tasks/resubscribe", {})).error?.code).toBe(-32602);
  });

  it("without streaming: -32004, the task still answers tasks/get", async () => {
    const { url, step } = await steppedServer(false);
    const id = await startTask(url, "q");
    const body = await rpc(url, "tasks/resubscribe", { id });
    expect(body.error?.code).toBe(-32004);
    expect(body.error?.message).toMatch(/tasks\/get/);
    await step();
  });
});

describe("SubscribeToTask (v1.0)", () => {
  it("v1.0 shapes: {task} first, then {artifactUpdate} and {statusUpdate}; finished: -32004", async () => {
    const { url, step } = await steppedServer();
    const id = await startTask(url, "v one", true);
    const sub = await rpcStream(url, "SubscribeToTask", { id }, true);
    const first = await sub.next();
    expect(first!["task"]).toMatchObject({ id });
    await step();
    await step();
    const rest = await sub.rest();
    expect(Object.keys(rest[0]!)).toEqual(["artifactUpdate"]);
    expect(rest.at(-1)!["statusUpdate"].status.state).toBe("TASK_STATE_COMPLETED");
    expect((await rpc(url, "SubscribeToTask", { id }, true)).error?.code).toBe(-32004);
    expect((await rpc(url, "SubscribeToTask", { id: "nope" }, true)).error?.code).toBe(-32001);
  });

  it("the official @a2a-js/sdk 1.x client reads the stream to the final status", async () => {
    const { server, url, step } = await steppedServer();
    const id = await startTask(url, "from sdk", true);
    const client = await new ClientFactory().createFromUrl(server.cardUrl, "");
    const cases: string[] = [];
    let state: TaskState | undefined;
    const reading = (async () => {
      for await (const event of client.resubscribeTask({ id, tenant: "" })) {
        cases.push(event.payload?.$case ?? "none");
        if (event.payload?.$case === "statusUpdate") state = event.payload.value.status?.state;
      }
    })();
    await waitFor(() => cases.length === 1);
    await step();
    await step();
    await reading;
    expect(cases[0]).toBe("task");
    expect(cases).toContain("artifactUpdate");
    expect(state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});

describe("resubscribed streams leave no listener behind", () => {
  it("streams read to the end and callers gone before the first read both unsubscribe", async () => {
    const hub = new TaskHub();
    const store = new MemoryTaskStore(10);
    const task: A2ATask = { kind: "task", id: "t1", contextId: "c1", status: { state: "working" } };
    store.save(task, "");
    const reading: Array<Promise<string[]>> = [];
    for (let i = 0; i < 200; i++) {
      const scope = new Scope();
      const outcome = await subscribe({
        id: i,
        version: "0.3",
        method: "tasks/resubscribe",
        taskId: "t1",
        workspaceId: "",
        maxSubscribers: 1000,
        followEveryMs: 1000,
        store,
        hub,
        local: task,
        allLocal: true,
        follow: () => undefined,
        scope,
        report: () => undefined,
      });
      if (!("stream" in outcome)) throw new Error("expected a stream");
      if (i % 2 === 1) {
        scope.abort(new Error("caller gone")); // its stream is never read
        continue;
      }
      reading.push(
        (async () => {
          const frames: string[] = [];
          for await (const frame of outcome.stream) frames.push(frame);
          return frames;
        })(),
      );
    }
    expect(hub.size).toBe(1);
    task.status = { state: "completed" };
    hub.emit("t1", task);
    const all = await Promise.all(reading);
    expect(all.every((f) => f.length === 2 && f[1]!.includes('"final":true'))).toBe(true);
    expect(hub.size).toBe(0);
  });
});
