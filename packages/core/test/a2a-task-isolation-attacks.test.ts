// Issue #69: a push agent cannot tell its callers apart (the platform's proxy names none), so a
// task, its history, its webhooks and its questions are reachable only by whoever holds its id.
// Attacks over real HTTP by a second caller B against caller A's task, on JSON-RPC and HTTP+JSON,
// directly against createA2AHandler and through the emulator's proxy: B is shown nothing of A's
// (ListTasks is empty, a guessed id is unknown on every method), A's webhook token is never
// answered (to A either), a running task takes no message (301 attempts run no handler), a
// question is answered once, a task's history is bounded, and an HTTP+JSON POST without a JSON
// Content-Type runs nothing (400, as a v1.0 caller gets on JSON-RPC; 415 to a v0.3 one).
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { inputRequired, startA2AServer, type A2AServer } from "../src/public/a2a.js";
import { newTaskId } from "../src/a2a/server/derived-id.js";
import { MAX_TASK_HISTORY_MESSAGES } from "../src/a2a/server/task-continuation.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let server: A2AServer;
/** Handler runs by the text they were sent. */
const runs: string[] = [];
/** Releases the held runs. */
const held = new Set<() => void>();

const user = (text: string, extra: Json = {}): Json => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text }],
  ...extra,
});

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: { name: "isolation" },
    streaming: true,
    pushNotifications: { allowAddresses: "private" },
    onMessage: async (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      runs.push(text);
      if (text.startsWith("hold")) {
        await new Promise<void>((resolve) => {
          held.add(resolve);
          ctx.signal.addEventListener("abort", () => resolve());
        });
        return "done";
      }
      if (text.startsWith("ask")) return inputRequired(ctx, "confirm transfer?");
      return `answered ${text}`;
    },
  });
});

afterAll(async () => {
  for (const release of held) release();
  await server?.close();
});

/** A's task: a non-blocking send that holds until released. */
async function heldTask(): Promise<{ id: string; contextId: string }> {
  const sent = await rpc(server.url, "message/send", {
    message: user("hold A's transfer of 100 EUR"),
    configuration: { blocking: false },
  });
  return sent.result as { id: string; contextId: string };
}

describe("another caller's task, JSON-RPC, createA2AHandler", () => {
  it("B lists nothing of A's, and every method on an id B did not receive is unknown", async () => {
    const a = await heldTask();
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const list = await rpc(server.url, "ListTasks", {}, true);
    expect(list.result).toMatchObject({ tasks: [], totalSize: 0, nextPageToken: "" });
    const byContext = await rpc(server.url, "ListTasks", { contextId: a.contextId }, true);
    expect(byContext.result).toMatchObject({ tasks: [], totalSize: 0 });
    const guess = newTaskId();
    const calls: Array<[string, Json]> = [
      ["tasks/get", { id: guess }],
      ["tasks/cancel", { id: guess }],
      ["tasks/pushNotificationConfig/list", { id: guess }],
      ["tasks/pushNotificationConfig/get", { id: guess }],
      ["tasks/pushNotificationConfig/delete", { id: guess, pushNotificationConfigId: "x" }],
      [
        "tasks/pushNotificationConfig/set",
        { taskId: guess, pushNotificationConfig: { url: "http://127.0.0.1:9/b" } },
      ],
      ["message/send", { message: user("yes", { taskId: guess }) }],
    ];
    const codes: Array<[string, unknown]> = [];
    for (const [method, params] of calls) {
      codes.push([method, (await rpc(server.url, method, params)).error?.code]);
    }
    expect(codes).toEqual(calls.map(([method]) => [method, -32001]));
    // A's task is untouched.
    const got = await rpc(server.url, "tasks/get", { id: a.id });
    expect(got.result).toMatchObject({ id: a.id, status: { state: "working" } });
  });

  it("a webhook's token and credentials are never answered, to the caller that set them either", async () => {
    const a = await heldTask();
    const set = await rpc(server.url, "tasks/pushNotificationConfig/set", {
      taskId: a.id,
      pushNotificationConfig: {
        id: "h",
        url: "http://127.0.0.1:9/hook",
        token: "secret-token",
        authentication: { schemes: ["Bearer"], credentials: "secret-cred" },
      },
    });
    const got = await rpc(server.url, "tasks/pushNotificationConfig/get", {
      id: a.id,
      pushNotificationConfigId: "h",
    });
    const listed = await rpc(server.url, "tasks/pushNotificationConfig/list", { id: a.id });
    const v1 = await rpc(server.url, "ListTaskPushNotificationConfigs", { taskId: a.id }, true);
    for (const answer of [set, got, listed, v1]) {
      expect(JSON.stringify(answer)).not.toMatch(/secret-(token|cred)/);
    }
    expect(got.result).toEqual({
      taskId: a.id,
      pushNotificationConfig: {
        id: "h",
        url: "http://127.0.0.1:9/hook",
        authentication: { schemes: ["Bearer"] },
      },
    });
  });

  it("a running task takes no message: 301 continuations run no handler and grow nothing", async () => {
    const a = await heldTask();
    await expect.poll(() => runs.filter((r) => r.startsWith("hold A")).length).toBeGreaterThan(0);
    const before = runs.length;
    const answers = await Promise.all(
      Array.from({ length: 301 }, (_, i) =>
        rpc(server.url, "message/send", {
          message: user(`more ${i}`, { taskId: a.id }),
          configuration: { blocking: false },
        }),
      ),
    );
    expect(new Set(answers.map((x) => x.error?.code))).toEqual(new Set([-32004]));
    expect(answers[0]!.error!.message).toMatch(/input-required/);
    expect(runs.length).toBe(before);
    const got = await rpc(server.url, "tasks/get", { id: a.id });
    expect((got.result as Json).history).toHaveLength(1);
  });

  it("a question is answered once: a second answer (A's or B's) while the first runs is refused", async () => {
    const asked = (await rpc(server.url, "message/send", { message: user("ask A") }))
      .result as Json;
    expect(asked.status.state).toBe("input-required");
    const background = { blocking: false };
    const [first, second] = await Promise.all([
      rpc(server.url, "message/send", {
        message: user("hold yes", { taskId: asked.id }),
        configuration: background,
      }),
      rpc(server.url, "message/send", {
        message: user("yes from B", { taskId: asked.id }),
        configuration: background,
      }),
    ]);
    for (const release of held) release();
    const codes = [first.error?.code, second.error?.code];
    expect(codes.filter((c) => c === -32004)).toHaveLength(1);
    await expect
      .poll(() => runs.filter((r) => r === "yes from B" || r === "hold yes"))
      .toHaveLength(1);
  });

  it("a task's history is bounded: past the limit a continuation is refused, clearly", async () => {
    let task = (await rpc(server.url, "message/send", { message: user("ask 0") })).result as Json;
    let refused: Json | undefined;
    for (let i = 1; i <= MAX_TASK_HISTORY_MESSAGES && refused === undefined; i++) {
      const next = await rpc(server.url, "message/send", {
        message: user(`ask ${i}`, { taskId: task.id }),
      });
      if (next.error !== undefined) refused = next.error;
      else task = next.result as Json;
    }
    expect(refused).toMatchObject({ code: -32004 });
    expect(refused!.message).toMatch(/messages, the most one task keeps \(100\)/);
    const got = (await rpc(server.url, "tasks/get", { id: task.id })).result as Json;
    expect(got.history.length).toBeLessThanOrEqual(MAX_TASK_HISTORY_MESSAGES + 1);
  });

  it("a message's own contextId does not open another's task; an issued one is unguessable", async () => {
    const a = await heldTask();
    expect(a.contextId).toMatch(/^ctx-[A-Za-z0-9_-]{32}$/);
    const wrong = await rpc(server.url, "message/send", {
      message: user("yes", { taskId: a.id, contextId: "ctx-guess" }),
    });
    expect(wrong.error?.code).toBe(-32600);
  });
});

/** An HTTP+JSON request below the endpoint, its body JSON. */
const rest = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });

describe("another caller's task, HTTP+JSON, createA2AHandler", () => {
  it("B lists nothing, and a guessed id is 404 on every route", async () => {
    await heldTask();
    const list = (await (await rest("/tasks")).json()) as Json;
    expect(list).toMatchObject({ tasks: [], totalSize: 0 });
    const id = newTaskId();
    expect((await rest(`/tasks/${id}`)).status).toBe(404);
    expect((await rest(`/tasks/${id}:cancel`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await rest(`/tasks/${id}/pushNotificationConfigs`)).status).toBe(404);
    const steal = await rest(`/tasks/${id}/pushNotificationConfigs`, {
      method: "POST",
      body: JSON.stringify({ url: "http://127.0.0.1:9/b" }),
    });
    expect(steal.status).toBe(404);
  });

  it("a webhook read back over HTTP+JSON shows no token", async () => {
    const a = await heldTask();
    const created = await rest(`/tasks/${a.id}/pushNotificationConfigs`, {
      method: "POST",
      body: JSON.stringify({ id: "r", url: "http://127.0.0.1:9/r", token: "rest-secret" }),
    });
    expect(created.status).toBe(201);
    expect(await created.text()).not.toContain("rest-secret");
    const got = await rest(`/tasks/${a.id}/pushNotificationConfigs/r`);
    expect(await got.text()).not.toContain("rest-secret");
  });

  it("a running task takes no message over HTTP+JSON either", async () => {
    const a = await heldTask();
    const before = runs.length;
    const res = await rest("/message:send", {
      method: "POST",
      body: JSON.stringify({
        message: {
          messageId: crypto.randomUUID(),
          role: "ROLE_USER",
          taskId: a.id,
          parts: [{ text: "x" }],
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.message).toMatch(/input-required/);
    expect(runs.length).toBe(before);
  });

  it("a POST without a JSON Content-Type is refused and runs nothing, as on JSON-RPC", async () => {
    const before = runs.length;
    const body = JSON.stringify({
      message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "no-cors" }] },
    });
    // What a browser's no-cors fetch of an ArrayBuffer sends: no Content-Type, no preflight.
    const bytes = new TextEncoder().encode(body);
    const rest400 = await fetch(`${server.url}/message:send`, { method: "POST", body: bytes });
    const rpc415 = await fetch(server.url, { method: "POST", body: bytes });
    // A2A v1.0.1 §5.4: HTTP+JSON (v1.0 only) answers 400; JSON-RPC without A2A-Version is v0.3: 415.
    expect([rest400.status, rpc415.status]).toEqual([400, 415]);
    expect(runs.length).toBe(before);
  });
});

describe("two callers through the emulator's proxy", () => {
  let emu: Emulator;
  let a: PlatformClient;
  let b: PlatformClient;
  let agentId: string;

  beforeAll(async () => {
    emu = await startEmulator({ compat: "latest" });
    const client = async (name: string): Promise<PlatformClient> => {
      const w = await emu.admin.createWorkspace({ name });
      return new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    };
    a = await client("a");
    b = await client("b");
    agentId = (await emu.admin.createWorkspace({ name: "agent", url: server.url })).id;
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await emu?.close();
  });

  it("B is shown none of A's tasks and cannot reach one by a guessed id", async () => {
    const started = await a.peerTasks(agentId).start("hold A via proxy");
    if (started.kind !== "task") throw new Error("expected a task");
    const theirs = b.peerTasks(agentId);
    expect((await theirs.list()).tasks).toEqual([]);
    expect((await theirs.list({ contextId: started.contextId })).tasks).toEqual([]);
    await expect(theirs.get(newTaskId())).rejects.toMatchObject({ rpcCode: -32001 });
    await expect(theirs.cancel(newTaskId())).rejects.toMatchObject({ rpcCode: -32001 });
    // A holds the id: A reads it and ends it.
    expect((await a.peerTasks(agentId).get(started.id)).id).toBe(started.id);
    expect((await a.peerTasks(agentId).cancel(started.id)).status.state).toBe("canceled");
  });
});
