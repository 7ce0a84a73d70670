// MCP tasks for the long peer calls (issue 102), with raw JSON-RPC (no MCP client SDK speaks the
// Tasks extension) against the emulator over real HTTP:
// - the 2026 era: the Tasks extension `io.modelcontextprotocol/tasks` (SEP-2663) over Streamable
//   HTTP, every message validated against the extension's own JSON Schema
//   (fixtures/ext-tasks-schema.json);
// - the same extension over the built bin's stdio (its status notifications on a listen that
//   names the task);
// - the 2025 era: the experimental tasks of the 2025-11-25 specification, over an in-process
//   transport, the messages validated against that revision's schemas (the MCP SDK v1's zod
//   schemas of them);
// and a host that does not ask gets what it always got.
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  CreateTaskResultSchema as LegacyCreateTaskResult,
  GetTaskResultSchema as LegacyGetTaskResult,
  CancelTaskResultSchema as LegacyCancelTaskResult,
  CallToolResultSchema as LegacyCallToolResult,
  TaskStatusNotificationSchema as LegacyTaskStatusNotification,
} from "@modelcontextprotocol/sdk/types.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { waitFor } from "@internal/test-utils";
import { Ajv2020 } from "ajv/dist/2020.js";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MoleculeMcp, readMcpConfig, startMcpHttp } from "../src/index.js";
import type { McpHttpServer } from "../src/index.js";
import { BIN, tempDir } from "./helpers.js";

const TASKS = "io.modelcontextprotocol/tasks";
const MODERN = "2026-07-28";
const BEARER = "tasks-bearer-0123456789abcdef";

const schema = JSON.parse(
  readFileSync(new URL("./fixtures/ext-tasks-schema.json", import.meta.url), "utf8"),
) as { $id: string };
const ajv = new Ajv2020({ strict: false });
ajv.addSchema(schema);
/** Throws unless `value` is valid against the extension's `$defs/<name>`. */
function valid(name: string, value: unknown): void {
  const check = ajv.getSchema(`${schema.$id}#/$defs/${name}`);
  if (!check) throw new Error(`no $defs/${name} in the extension's schema`);
  expect(check(value), `${name}: ${JSON.stringify(check.errors)}`).toBe(true);
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
let echoId: string;
let platform: TestPlatform;
let molecule: MoleculeMcp;
let http: McpHttpServer;
/** The peer's held "wait…" messages, by text: calling one lets the peer answer it. */
const held = new Map<string, () => void>();

beforeAll(async () => {
  platform = await startTestPlatform({ name: "tasks" });
  cleanups.push(() => platform.close());
  const echo = await platform.addWorkspace("echo");
  echoId = echo.id;
  const agent = new RemoteAgent({
    client: echo.client(),
    handler: async (m) => {
      if (m.text.startsWith("wait")) await new Promise<void>((r) => held.set(m.text, r));
      return `You said: ${m.text}`;
    },
    logger: {},
  });
  await agent.start();
  cleanups.push(() => agent.stop());
  cleanups.push(() => {
    for (const release of held.values()) release();
  });
  const state = tempDir();
  cleanups.push(state.remove);
  molecule = new MoleculeMcp(
    readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: state.dir }),
    { logger: {} },
  );
  cleanups.push(() => molecule.stop());
  http = await startMcpHttp(molecule, {
    port: 0,
    host: "127.0.0.1",
    token: BEARER,
    allowedOrigins: [],
  });
  cleanups.push(() => http.close());
  await molecule.start();
});

afterAll(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

interface RpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

let nextId = 1;

/** One 2026-era JSON-RPC request over Streamable HTTP; `declare`: the Tasks extension in `_meta`. */
function modernRequest(
  method: string,
  params: Record<string, unknown>,
  declare = true,
): Promise<Response> {
  const name = (params["name"] ?? params["taskId"]) as string | undefined;
  return fetch(http.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${BEARER}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...(name === undefined ? {} : { "mcp-name": name }),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: nextId++,
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientInfo": { name: "raw-host", version: "1" },
          "io.modelcontextprotocol/clientCapabilities": declare
            ? { extensions: { [TASKS]: {} } }
            : {},
        },
      },
    }),
  });
}

/** The JSON-RPC messages of an SSE answer, as they arrive. */
async function* events(res: Response): AsyncGenerator<Record<string, unknown>> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split("\n").find((l) => l.startsWith("data: "));
      if (data) yield JSON.parse(data.slice(6)) as Record<string, unknown>;
    }
  }
}

/** A 2026-era request's answer (a JSON body, or the last message of an SSE stream). */
async function modern(method: string, params: Record<string, unknown>, declare = true) {
  const res = await modernRequest(method, params, declare);
  if (!res.headers.get("content-type")?.startsWith("text/event-stream"))
    return (await res.json()) as RpcAnswer;
  let last: Record<string, unknown> | undefined;
  for await (const message of events(res)) last = message;
  return last as RpcAnswer;
}

describe("the 2026 era: the Tasks extension (SEP-2663), raw JSON-RPC over Streamable HTTP", () => {
  it("a host declaring the extension calls call_peer as a task: CreateTaskResult, tasks/get until completed with the result inlined, all valid against the extension's schema", async () => {
    const created = await modern("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "hello", timeoutSeconds: 60 },
    });
    expect(created.error).toBeUndefined();
    const task = created.result!;
    valid("CreateTaskResult", task);
    expect(task).toMatchObject({ resultType: "task", status: "working" });
    expect(task["content"]).toBeUndefined(); // a task handle, not a tool result
    const taskId = task["taskId"] as string;

    const done = await waitFor(async () => {
      const got = await modern("tasks/get", { taskId });
      valid("GetTaskResult", got.result);
      return got.result!["status"] === "working" ? undefined : got.result!;
    });
    expect(done).toMatchObject({ resultType: "complete", taskId, status: "completed" });
    const result = done["result"] as { content: { text: string }[]; isError?: boolean };
    expect(result.isError).not.toBe(true);
    expect(result.content[0]!.text).toContain("You said: hello");

    // tasks/result is not part of the extension; the task methods need the declaration.
    expect((await modern("tasks/result", { taskId })).error?.code).toBe(-32601);
    const undeclared = await modern("tasks/get", { taskId }, false);
    expect(undeclared.error?.code).toBe(-32021);
    expect(undeclared.error?.data).toEqual({
      requiredCapabilities: { extensions: { [TASKS]: {} } },
    });
    expect((await modern("tasks/get", { taskId: "no-such-task" })).error?.code).toBe(-32602);
  });

  it("delegate_to_peer runs as a task the same way (its own `task` argument untouched)", async () => {
    const created = await modern("tools/call", {
      name: "delegate_to_peer",
      arguments: { peerId: echoId, task: "summarise the report" },
    });
    valid("CreateTaskResult", created.result);
    const taskId = created.result!["taskId"] as string;
    const done = await waitFor(async () => {
      const got = await modern("tasks/get", { taskId });
      return got.result!["status"] === "working" ? undefined : got.result!;
    });
    valid("GetTaskResult", done);
    expect(done["status"]).toBe("completed");
    const result = done["result"] as {
      isError?: boolean;
      structuredContent: { delegationId: string };
    };
    expect(result.isError).not.toBe(true);
    expect(result.structuredContent.delegationId).toEqual(expect.any(String));
  });

  it("tasks/cancel: acknowledged, the task is cancelled and stays so after the peer answers", async () => {
    const created = await modern("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "wait 2026", timeoutSeconds: 600 },
    });
    const taskId = created.result!["taskId"] as string;
    const release = await waitFor(() => held.get("wait 2026")); // the peer holds the call
    const ack = await modern("tasks/cancel", { taskId });
    valid("CancelTaskResult", ack.result);
    const got = await modern("tasks/get", { taskId });
    valid("GetTaskResult", got.result);
    expect(got.result).toMatchObject({ status: "cancelled" });
    // The peer answers after all: its late answer reaches the inbox, the task stays cancelled.
    release();
    await waitFor(() =>
      molecule.inbox.unread().some((m) => m.text.includes("You said: wait 2026")),
    );
    const after = await modern("tasks/get", { taskId });
    expect(after.result).toMatchObject({ status: "cancelled" });
    expect(after.result!["result"]).toBeUndefined();
  });

  it("a subscriptions/listen naming the task: acknowledged, then notifications/tasks with the result when it ends, valid against the extension's schema", async () => {
    const created = await modern("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "wait listen", timeoutSeconds: 600 },
    });
    const taskId = created.result!["taskId"] as string;
    const listen = await modernRequest("subscriptions/listen", {
      notifications: { taskIds: [taskId, "no-such-task"] },
    });
    expect(listen.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = events(listen);
    const ack = (await stream.next()).value!;
    expect(ack["method"]).toBe("notifications/subscriptions/acknowledged");
    const honored = (ack["params"] as { notifications: unknown }).notifications;
    valid("TaskSubscriptionAcknowledgedNotifications", honored);
    expect(honored).toEqual({ taskIds: [taskId] });
    (await waitFor(() => held.get("wait listen")))(); // the peer answers now
    const told = (await stream.next()).value!;
    valid("TaskStatusNotification", told);
    expect(told["params"]).toMatchObject({ taskId, status: "completed" });
    const result = (told["params"] as { result: { content: { text: string }[] } }).result;
    expect(result.content[0]!.text).toContain("You said: wait listen");
    const end = (await stream.next()).value!;
    expect(end["result"]).toMatchObject({ resultType: "complete" });
    expect((await stream.next()).done).toBe(true);
    // Without the declaration the listen is refused.
    const refused = await modern(
      "subscriptions/listen",
      { notifications: { taskIds: [taskId] } },
      false,
    );
    expect(refused.error?.code).toBe(-32021);
  });

  it("a host that does not declare it gets call_peer's result at once, as before", async () => {
    const answer = await modern(
      "tools/call",
      { name: "call_peer", arguments: { peerId: echoId, message: "plain", timeoutSeconds: 60 } },
      false,
    );
    expect(answer.result!["resultType"]).toBe("complete");
    expect(answer.result!["taskId"]).toBeUndefined();
    expect(JSON.stringify(answer.result!["content"])).toContain("You said: plain");
  });
});

/** The `_meta` envelope of a 2026-era request; `declare`: the Tasks extension in it. */
function envelope(declare: boolean): Record<string, unknown> {
  return {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": { name: "raw-stdio-host", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": declare ? { extensions: { [TASKS]: {} } } : {},
  };
}

/** The built bin spawned as a 2026-era host's server, spoken in raw JSON-RPC over its stdio. */
async function modernStdio() {
  const ws = await platform.addWorkspace(`stdio-host-${nextId}`);
  const state = tempDir();
  cleanups.push(state.remove);
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env["PATH"] ?? "",
      MOLECULE_LOG_LEVEL: "warn",
      MOLECULE_MCP_STATE_DIR: state.dir,
      ...ws.env,
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  // `close`: after its stdout ended (every line it wrote has been read).
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  cleanups.push(async () => {
    if (running()) child.stdin.end(); // the server exits when stdin closes
    await exited;
  });
  const received: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    received.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const send = (message: Record<string, unknown>): void =>
    void child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  /** The first message `pred` matches, once it has arrived. */
  const next = (pred: (m: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const look = (): void => {
        const found = received.find(pred);
        if (!found) return;
        waiters.delete(look);
        resolve(found);
      };
      waiters.add(look);
      look();
    });
  const request = async (method: string, params: Record<string, unknown>, declare = true) => {
    const id = nextId++;
    send({ id, method, params: { ...params, _meta: envelope(declare) } });
    return { id, answer: (await next((m) => m["id"] === id)) as RpcAnswer };
  };
  const discovered = await request("server/discover", {});
  // Started: workspace_info answers once the first start attempt has settled.
  await request("tools/call", { name: "workspace_info", arguments: {} });
  /** Stops the server as a signal does (SIGTERM) and resolves once it has exited. */
  const terminate = async (): Promise<void> => {
    if (running()) child.kill("SIGTERM");
    await exited;
  };
  return { discovered: discovered.answer, request, send, next, received, terminate };
}

/** Whether `m` was delivered on the listen stream `id` (its `_meta` names the subscription). */
const onListen = (m: Record<string, unknown>, id: number): boolean =>
  (m["params"] as Record<string, Record<string, unknown> | undefined> | undefined)?.["_meta"]?.[
    "io.modelcontextprotocol/subscriptionId"
  ] === id;

describe("the 2026 era over stdio: task status notifications on subscriptions/listen, raw JSON-RPC to the built bin", () => {
  it("a listen naming the task is acknowledged, told notifications/tasks with the result when the call ends, then closed with its result; a listen the host cancels is told nothing; all valid against the extension's schema", async () => {
    const { discovered, request, send, next, received } = await modernStdio();
    expect(discovered.result!["capabilities"]).toMatchObject({ extensions: { [TASKS]: {} } });

    const created = await request("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "wait stdio", timeoutSeconds: 600 },
    });
    valid("CreateTaskResult", created.answer.result);
    const taskId = created.answer.result!["taskId"] as string;

    // The listen request stays open: the acknowledgement, then the task's status, on one channel.
    const listenId = nextId++;
    send({
      id: listenId,
      method: "subscriptions/listen",
      params: { notifications: { taskIds: [taskId, "no-such-task"] }, _meta: envelope(true) },
    });
    const ack = await next((m) => onListen(m, listenId));
    expect(ack["method"]).toBe("notifications/subscriptions/acknowledged");
    const honored = (ack["params"] as { notifications: unknown }).notifications;
    valid("TaskSubscriptionAcknowledgedNotifications", honored);
    expect(honored).toEqual({ taskIds: [taskId] });

    (await waitFor(() => held.get("wait stdio")))(); // the peer answers now
    const told = await next((m) => m["method"] === "notifications/tasks" && onListen(m, listenId));
    valid("TaskStatusNotification", told);
    expect(told["params"]).toMatchObject({ taskId, status: "completed" });
    const result = (told["params"] as { result: { content: { text: string }[] } }).result;
    expect(result.content[0]!.text).toContain("You said: wait stdio");
    // Every task it named has ended: the listen ends with its (graceful) result.
    const end = await next((m) => m["id"] === listenId);
    expect(end["result"]).toMatchObject({
      resultType: "complete",
      _meta: { "io.modelcontextprotocol/subscriptionId": listenId },
    });

    // A listen the host cancels (notifications/cancelled) is told nothing more.
    const second = await request("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "wait stdio 2", timeoutSeconds: 600 },
    });
    const secondId = second.answer.result!["taskId"] as string;
    await waitFor(() => held.get("wait stdio 2"));
    const quietId = nextId++;
    send({
      id: quietId,
      method: "subscriptions/listen",
      params: { notifications: { taskIds: [secondId] }, _meta: envelope(true) },
    });
    await next((m) => onListen(m, quietId));
    send({ method: "notifications/cancelled", params: { requestId: quietId } });
    const cancelled = await request("tasks/cancel", { taskId: secondId });
    valid("CancelTaskResult", cancelled.answer.result);
    await request("tasks/get", { taskId: secondId }); // anything told at the end came before this
    expect(received.filter((m) => onListen(m, quietId) || m["id"] === quietId)).toHaveLength(1);

    // Without the declaration the listen is refused.
    const refused = await request(
      "subscriptions/listen",
      { notifications: { taskIds: [taskId] } },
      false,
    );
    expect(refused.answer.error?.code).toBe(-32021);
  }, 60_000);

  it("a server that stops ends an open task listen with its result before it exits", async () => {
    const { request, send, next, received, terminate } = await modernStdio();
    const created = await request("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "wait stdio stop", timeoutSeconds: 600 },
    });
    const taskId = created.answer.result!["taskId"] as string;
    await waitFor(() => held.get("wait stdio stop"));
    const listenId = nextId++;
    send({
      id: listenId,
      method: "subscriptions/listen",
      params: { notifications: { taskIds: [taskId] }, _meta: envelope(true) },
    });
    const ack = await next((m) => onListen(m, listenId));
    expect((ack["params"] as { notifications: unknown }).notifications).toEqual({
      taskIds: [taskId],
    });
    await terminate();
    const end = received.find((m) => m["id"] === listenId);
    expect(end?.["result"]).toMatchObject({
      resultType: "complete",
      _meta: { "io.modelcontextprotocol/subscriptionId": listenId },
    });
  }, 60_000);
});

/** A 2025-era session over an in-process transport, spoken in raw JSON-RPC. */
async function legacySession() {
  const [host, server] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  const waiters = new Set<() => void>();
  // oxlint-disable-next-line unicorn/prefer-add-event-listener -- a transport has one handler
  host.onmessage = (m) => {
    received.push(m);
    for (const w of waiters) w();
  };
  await molecule.createServer({ era: "legacy" }).connect(server);
  await host.start();
  cleanups.push(() => host.close());
  /** The first message `pred` matches, once it has arrived. */
  const next = (pred: (m: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const look = (): void => {
        const found = received.find((m) => pred(m as Record<string, unknown>));
        if (!found) return;
        waiters.delete(look);
        resolve(found as Record<string, unknown>);
      };
      waiters.add(look);
      look();
    });
  const request = async (method: string, params: Record<string, unknown>): Promise<RpcAnswer> => {
    const id = nextId++;
    await host.send({ jsonrpc: "2.0", id, method, params });
    return (await next((m) => m["id"] === id)) as RpcAnswer;
  };
  const init = await request("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "raw-2025-host", version: "1" },
  });
  await host.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { init, request, next };
}

describe("the 2025 era: the experimental tasks of 2025-11-25, raw JSON-RPC", () => {
  it("declares tasks; call_peer with a task parameter: CreateTaskResult, tasks/get, tasks/result, and notifications/tasks/status when it ends", async () => {
    const { init, request, next } = await legacySession();
    expect(init.result!["capabilities"]).toMatchObject({
      tasks: { cancel: {}, requests: { tools: { call: {} } } },
    });
    const tools = await request("tools/list", {});
    const listed = (tools.result!["tools"] as { name: string; execution?: unknown }[]).filter(
      (t) => t.execution !== undefined,
    );
    expect(listed.map((t) => [t.name, t.execution])).toEqual([
      ["call_peer", { taskSupport: "optional" }],
      ["delegate_to_peer", { taskSupport: "optional" }],
    ]);

    const created = await request("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "hello 2025", timeoutSeconds: 60 },
      task: { ttl: 60_000 },
    });
    const { task } = LegacyCreateTaskResult.parse(created.result);
    expect(task).toMatchObject({ status: "working", ttl: 60_000 });
    const status = next(
      (m) =>
        m["method"] === "notifications/tasks/status" &&
        (m["params"] as { taskId?: string }).taskId === task.taskId,
    );
    const got = await request("tasks/get", { taskId: task.taskId });
    expect(LegacyGetTaskResult.parse(got.result).taskId).toBe(task.taskId);

    const result = await request("tasks/result", { taskId: task.taskId });
    const tool = LegacyCallToolResult.parse(result.result);
    expect(JSON.stringify(tool.content)).toContain("You said: hello 2025");
    const meta = (tool as Record<string, unknown>)["_meta"] as Record<string, unknown>;
    expect(meta["io.modelcontextprotocol/related-task"]).toEqual({ taskId: task.taskId });

    const told = LegacyTaskStatusNotification.parse(await status);
    expect(told.params).toMatchObject({ taskId: task.taskId, status: "completed" });
  });

  it("tasks/cancel answers the cancelled task; tasks/result then says it has no result; a second cancel is refused", async () => {
    const { request, next } = await legacySession();
    const created = await request("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "wait 2025", timeoutSeconds: 600 },
      task: {},
    });
    const { task } = LegacyCreateTaskResult.parse(created.result);
    await waitFor(() => held.get("wait 2025"));
    const status = next((m) => m["method"] === "notifications/tasks/status");
    const cancelled = await request("tasks/cancel", { taskId: task.taskId });
    expect(LegacyCancelTaskResult.parse(cancelled.result).status).toBe("cancelled");
    expect(LegacyTaskStatusNotification.parse(await status).params.status).toBe("cancelled");
    expect((await request("tasks/result", { taskId: task.taskId })).error?.code).toBe(-32602);
    expect((await request("tasks/cancel", { taskId: task.taskId })).error?.code).toBe(-32602);
  });

  it("without a task parameter call_peer answers its result as before", async () => {
    const { request } = await legacySession();
    const answer = await request("tools/call", {
      name: "call_peer",
      arguments: { peerId: echoId, message: "plain 2025", timeoutSeconds: 60 },
    });
    const tool = LegacyCallToolResult.parse(answer.result);
    expect(JSON.stringify(tool.content)).toContain("You said: plain 2025");
    expect(answer.result!["task"]).toBeUndefined();
  });
});
