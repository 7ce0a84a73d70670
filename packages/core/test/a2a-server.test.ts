// The push server over real HTTP: platform-proxy bodies, v1.0 shapes, tasks, streaming, every bad
// input (each followed by a good request that must still succeed), and the fetch/Express adapters.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sseData, waitFor } from "@internal/test-utils";
import {
  A2AErrorCode,
  A2ARpcError,
  createA2AHandler,
  startA2AServer,
  type A2AHandlerContext,
  type A2AMessage,
  type A2AServer,
} from "../src/public/a2a.js";
import { generatePathSecret } from "../src/index.js";

type Json = Record<string, any>; // oxlint-disable-line typescript/no-explicit-any

function textOf(message: A2AMessage): string {
  return message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // A v0.3 streaming method answers its errors as one SSE event (`event: error`).
  const sse = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
  const json = sse ? sseData(text.split("\n\n")[0]!) : text ? JSON.parse(text) : {};
  return { status: res.status, json, headers: res.headers };
}

function send(text: string, extra: Json = {}): Json {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "message/send",
    params: {
      message: {
        kind: "message",
        role: "user",
        messageId: crypto.randomUUID(),
        parts: [{ kind: "text", text }],
      },
      ...extra,
    },
  };
}

const errors: unknown[] = [];
const aborted: string[] = [];
let release: (() => void) | undefined;
let server: A2AServer;

beforeAll(async () => {
  server = await startA2AServer({
    agentCard: {
      name: "test agent",
      description: "a test",
      skills: [{ id: "echo", name: "Echo", description: "echo", tags: [] }],
    },
    maxTasks: 3,
    onError: (err) => errors.push(err),
    onMessage: async (message, ctx: A2AHandlerContext) => {
      const text = textOf(message);
      if (text === "throw") throw new Error("secret internals /etc/passwd");
      if (text === "rpc-error") throw new A2ARpcError(A2AErrorCode.InvalidParams, "cannot do that");
      if (text === "void") return undefined;
      if (text === "bad-result") return 42 as unknown as string;
      if (text === "task") {
        return {
          kind: "task",
          id: "t-1",
          contextId: "c-1",
          status: { state: "completed" },
          artifacts: [{ artifactId: "a", parts: [{ kind: "text", text: "done" }] }],
        } as const;
      }
      if (text === "message")
        return { parts: [{ kind: "text", text: "custom" }] } as unknown as A2AMessage;
      if (text === "wait") {
        await new Promise<void>((resolve) => {
          release = resolve;
          ctx.signal.addEventListener("abort", () => {
            aborted.push(ctx.method);
            resolve();
          });
        });
        return "released";
      }
      return `echo: ${text} (${ctx.version}, ${message.role})`;
    },
  });
});

afterAll(async () => {
  await server.close();
});

// Every bad input must leave the server serving.
afterEach(async () => {
  const { status, json } = await post(server.url, send("still alive"));
  if (status !== 200 || json.result?.parts?.[0]?.text !== "echo: still alive (0.3, user)") {
    throw new Error(`the server stopped serving: ${status} ${JSON.stringify(json)}`);
  }
});

describe("accepted bodies", () => {
  it("accepts the platform proxy's body: parts with type, no role, UUID id, no kind", async () => {
    const id = crypto.randomUUID();
    const { status, json } = await post(server.url, {
      jsonrpc: "2.0",
      id,
      method: "message/send",
      params: {
        message: { messageId: crypto.randomUUID(), parts: [{ type: "text", text: "from canvas" }] },
      },
    });
    expect(status).toBe(200);
    expect(json.id).toBe(id);
    expect(json.result.kind).toBe("message");
    expect(json.result.role).toBe("agent");
    expect(json.result.parts).toEqual([{ kind: "text", text: "echo: from canvas (0.3, user)" }]);
    expect(typeof json.result.contextId).toBe("string");
  });

  it("keeps the request id's value and type (number, string, null)", async () => {
    for (const id of [7, "7", null]) {
      const { json } = await post(server.url, { ...send("id"), id });
      expect(json.id).toBe(id);
    }
  });

  it("maps role assistant to agent and keeps the caller's contextId", async () => {
    const body = send("hi");
    body["params"].message.role = "assistant";
    body["params"].message.contextId = "ctx-9";
    const { json } = await post(server.url, body);
    expect(json.result.parts[0].text).toBe("echo: hi (0.3, agent)");
    expect(json.result.contextId).toBe("ctx-9");
  });

  it("answers SendMessage (A2A-Version 1.0) with proto-JSON shapes", async () => {
    const { json } = await post(
      server.url,
      {
        jsonrpc: "2.0",
        id: 3,
        method: "SendMessage",
        params: { message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "v1" }] } },
      },
      { "a2a-version": "1.0" },
    );
    expect(json.result.message.role).toBe("ROLE_AGENT");
    expect(json.result.message.parts).toEqual([{ text: "echo: v1 (1.0, user)" }]);
    expect(json.result.message.kind).toBeUndefined();
  });

  it("returns void as a completed task that tasks/get finds and tasks/cancel refuses", async () => {
    const { json } = await post(server.url, send("void"));
    expect(json.result).toMatchObject({ kind: "task", status: { state: "completed" } });
    expect(json.result.artifacts).toBeUndefined();
    const got = await post(server.url, {
      jsonrpc: "2.0",
      id: 2,
      method: "tasks/get",
      params: { id: json.result.id },
    });
    expect(got.json.result.id).toBe(json.result.id);
    const v1 = await post(
      server.url,
      { jsonrpc: "2.0", id: 2, method: "GetTask", params: { id: json.result.id } },
      { "a2a-version": "1.0" },
    );
    expect(v1.json.result.status.state).toBe("TASK_STATE_COMPLETED");
    const cancel = await post(server.url, {
      jsonrpc: "2.0",
      id: 4,
      method: "tasks/cancel",
      params: { id: json.result.id },
    });
    expect(cancel.json.error.code).toBe(A2AErrorCode.TaskNotCancelable);
  });

  it("passes a returned task and a returned partial message through, normalised", async () => {
    const task = await post(server.url, send("task"));
    expect(task.json.result).toMatchObject({
      kind: "task",
      id: "t-1",
      contextId: "c-1",
      status: { state: "completed" },
    });
    expect(task.json.result.artifacts[0].parts[0]).toEqual({ kind: "text", text: "done" });
    const message = await post(server.url, send("message"));
    expect(message.json.result).toMatchObject({
      kind: "message",
      role: "agent",
      parts: [{ kind: "text", text: "custom" }],
    });
    expect(typeof message.json.result.messageId).toBe("string");
  });

  it("runs a non-blocking send in the background; tasks/cancel aborts ctx.signal", async () => {
    const { json } = await post(server.url, send("wait", { configuration: { blocking: false } }));
    expect(json.result.kind).toBe("task");
    expect(["submitted", "working"]).toContain(json.result.status.state);
    const taskId = json.result.id;
    const cancel = await post(server.url, {
      jsonrpc: "2.0",
      id: 5,
      method: "tasks/cancel",
      params: { id: taskId },
    });
    expect(cancel.json.result.status.state).toBe("canceled");
    expect(aborted).toContain("message/send");
    const got = await post(server.url, {
      jsonrpc: "2.0",
      id: 6,
      method: "tasks/get",
      params: { id: taskId },
    });
    expect(got.json.result.status.state).toBe("canceled");
  });

  it("completes a non-blocking task when the handler returns", async () => {
    release = undefined;
    const { json } = await post(server.url, send("wait", { configuration: { blocking: false } }));
    (await waitFor(() => release))(); // this task's handler is running: let it return
    const getTask = async () =>
      await post(server.url, {
        jsonrpc: "2.0",
        id: 6,
        method: "tasks/get",
        params: { id: json.result.id },
      });
    // The task leaves "working" when the background handler settles.
    const got = await waitFor(async () => {
      const r = await getTask();
      return ["submitted", "working"].includes(r.json.result.status.state) ? undefined : r;
    });
    expect(got.json.result.status.state).toBe("completed");
    expect(got.json.result.artifacts[0].parts[0].text).toBe("released");
  });

  it("aborts ctx.signal when the caller disconnects", async () => {
    const before = aborted.length;
    release = undefined;
    const controller = new AbortController();
    const pending = fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(send("wait")),
      signal: controller.signal,
    }).catch(() => undefined);
    await waitFor(() => release !== undefined); // the handler is running
    controller.abort();
    await pending;
    await waitFor(() => aborted.length === before + 1);
    expect(aborted.length).toBe(before + 1);
  });

  it("evicts the least recently used task beyond maxTasks", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await post(server.url, send("void"))).json.result.id);
    const first = await post(server.url, {
      jsonrpc: "2.0",
      id: 1,
      method: "tasks/get",
      params: { id: ids[0] },
    });
    expect(first.json.error.code).toBe(A2AErrorCode.TaskNotFound);
    const last = await post(server.url, {
      jsonrpc: "2.0",
      id: 1,
      method: "tasks/get",
      params: { id: ids[3] },
    });
    expect(last.json.result.id).toBe(ids[3]);
  });
});

describe("bad input gets the right error", () => {
  it("malformed JSON -> -32700", async () => {
    const { status, json } = await post(server.url, '{"jsonrpc":"2.0",');
    expect(status).toBe(200);
    expect(json).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
  });

  it.each([
    ["a batch", [send("x")], -32600],
    ["a non-object", '"hello"', -32600],
    ["jsonrpc 1.0", { ...send("x"), jsonrpc: "1.0" }, -32600],
    ["a numeric method", { ...send("x"), method: 5 }, -32600],
    ["an object id", { ...send("x"), id: { a: 1 } }, -32600],
    ["array params", { jsonrpc: "2.0", id: 1, method: "message/send", params: [] }, -32602],
    ["no message", { jsonrpc: "2.0", id: 1, method: "message/send", params: {} }, -32602],
    [
      "parts not an array",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: { message: { messageId: "m", parts: "hi" } },
      },
      -32602,
    ],
    [
      "a missing messageId",
      { jsonrpc: "2.0", id: 1, method: "message/send", params: { message: { parts: [] } } },
      -32602,
    ],
    [
      "an unknown part kind",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: { message: { messageId: "m", parts: [{ kind: "video" }] } },
      },
      -32602,
    ],
    [
      "a numeric text",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: { message: { messageId: "m", parts: [{ kind: "text", text: 1 }] } },
      },
      -32602,
    ],
    [
      "a bad role",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: { message: { messageId: "m", role: "root", parts: [] } },
      },
      -32602,
    ],
    ["tasks/get without id", { jsonrpc: "2.0", id: 1, method: "tasks/get", params: {} }, -32602],
    ["an unknown method", { jsonrpc: "2.0", id: 1, method: "tasks/explode", params: {} }, -32601],
    [
      "a push-config method without its task",
      { jsonrpc: "2.0", id: 1, method: "tasks/pushNotificationConfig/set", params: {} },
      -32602,
    ],
    ["message/stream while streaming is off", { ...send("x"), method: "message/stream" }, -32004],
    [
      "an unknown task",
      { jsonrpc: "2.0", id: 1, method: "tasks/cancel", params: { id: "missing" } },
      -32001,
    ],
  ])("%s -> %i", async (_label, body, code) => {
    const { status, json } = await post(server.url, body);
    expect(status).toBe(200);
    expect(json.jsonrpc).toBe("2.0");
    expect(json.error.code).toBe(code);
    expect(typeof json.error.message).toBe("string");
  });

  it("an unsupported A2A-Version -> -32009", async () => {
    const { json } = await post(server.url, send("x"), { "a2a-version": "2.0" });
    expect(json.error.code).toBe(A2AErrorCode.VersionNotSupported);
  });

  it("a handler exception -> -32603 without details; onError gets the error", async () => {
    const { json } = await post(server.url, send("throw"));
    expect(json.error).toEqual({ code: -32603, message: "Internal error" });
    expect(JSON.stringify(json)).not.toContain("passwd");
    expect(String(errors.at(-1))).toContain("secret internals");
  });

  it("an invalid handler result -> -32603; A2ARpcError -> its own code", async () => {
    expect((await post(server.url, send("bad-result"))).json.error.code).toBe(-32603);
    expect((await post(server.url, send("rpc-error"))).json.error).toEqual({
      code: -32602,
      message: "cannot do that",
    });
  });

  it("a body over 1 MiB -> 413 (declared length)", async () => {
    const { status, json } = await post(server.url, send("x".repeat(1024 * 1024 + 10)));
    expect(status).toBe(413);
    expect(json.error.code).toBe(-32600);
  });

  it("a chunked body over 1 MiB -> 413 (no declared length)", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit).catch((err: unknown) => err);
    // The server answers 413 and closes; depending on timing the client sees the 413 or a reset.
    const outcome = res instanceof Response ? res.status : "connection closed";
    expect([413, "connection closed"]).toContain(outcome);
  });

  it("deeply nested JSON -> -32600 without a stack overflow", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const { status, json } = await post(
      server.url,
      `{"jsonrpc":"2.0","id":1,"method":"message/send","params":${deep}}`,
    );
    expect(status).toBe(200);
    expect(json.error.code).toBe(-32600);
    expect(json.error.message).toMatch(/nesting/);
  });

  it("nesting inside strings does not count", async () => {
    const { json } = await post(server.url, send(`${"[{".repeat(200)}\\"${"[".repeat(100)}`));
    expect(json.result.parts[0].text).toContain("[{[{");
  });

  it("a wrong content type -> 415, ContentTypeNotSupportedError (-32005) as over HTTP+JSON", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(send("x")),
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe(-32005);
  });

  it("a wrong path secret (same or other length), the bare root, and the root card -> 404", async () => {
    const url = new URL(server.url);
    const secret = url.pathname.slice(1);
    const sameLength = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
    for (const path of [`/${sameLength}`, "/short", "/", `/${secret}x`, `/${secret}/extra`]) {
      const { status } = await post(`${url.origin}${path}`, send("x"));
      expect(status).toBe(404);
    }
    expect((await fetch(`${url.origin}/.well-known/agent-card.json`)).status).toBe(404);
    expect((await fetch(`${url.origin}/${sameLength}/.well-known/agent-card.json`)).status).toBe(
      404,
    );
  });

  it("advertises localhost for a loopback or wildcard bind (the platform refuses IP literals)", async () => {
    expect(server.url).toMatch(/^http:\/\/localhost:\d+\/[A-Za-z0-9_-]{43}$/);
    const wildcard = await startA2AServer({
      agentCard: { name: "w" },
      host: "0.0.0.0",
      onMessage: () => "ok",
    });
    const named = await startA2AServer({
      agentCard: { name: "n" },
      publicHost: "agent.example",
      onMessage: () => "ok",
    });
    try {
      expect(new URL(wildcard.url).hostname).toBe("localhost");
      expect(new URL(named.url).hostname).toBe("agent.example");
      // The advertised name reaches the bound loopback server.
      expect((await fetch(`${wildcard.url}/.well-known/agent-card.json`)).status).toBe(200);
    } finally {
      await wildcard.close();
      await named.close();
    }
  });

  it("a GET on the endpoint -> 405", async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("agent card", () => {
  it("is a v0.3/v1.0 hybrid whose urls carry the secret, at agent-card.json and agent.json", async () => {
    for (const name of ["agent-card.json", "agent.json"]) {
      const res = await fetch(`${server.url}/.well-known/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const card = await res.json();
      expect(card).toMatchObject({
        name: "test agent",
        description: "a test",
        url: server.url,
        protocolVersion: "0.3.0",
        preferredTransport: "JSONRPC",
        capabilities: { streaming: false, pushNotifications: true },
        defaultInputModes: ["text/plain"],
        skills: [{ id: "echo" }],
        additionalInterfaces: [{ url: server.url, transport: "JSONRPC" }],
        // Each binding once per protocol version: JSON-RPC for v0.3 (the fields above), JSON-RPC
        // and HTTP+JSON for v1.0, all at the same URL.
        supportedInterfaces: [
          { url: server.url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
          { url: server.url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
        ],
      });
      expect(card.supportedInterfaces).toHaveLength(2);
    }
  });

  it("rejects a bad configuration early", async () => {
    expect(() =>
      createA2AHandler({ pathSecret: false, agentCard: { name: "" }, onMessage: () => "" }),
    ).toThrow(/name/);
    expect(() =>
      createA2AHandler({ agentCard: { name: "a" }, onMessage: () => "", pathSecret: "short" }),
    ).toThrow(/pathSecret/);
    expect(() =>
      createA2AHandler({ pathSecret: false, agentCard: { name: "" }, onMessage: () => "" }),
    ).toThrow(expect.objectContaining({ code: "invalid_option", option: "agentCard.name" }));
    expect(generatePathSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("streaming", () => {
  let streaming: A2AServer;
  let started: (() => void) | undefined;
  beforeAll(async () => {
    streaming = await startA2AServer({
      agentCard: { name: "s" },
      streaming: true,
      textResult: "task",
      onMessage: async function* (message, ctx) {
        if (textOf(message) === "slow") {
          yield "first";
          started?.();
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          return;
        }
        yield "one ";
        yield "two";
      },
    });
  });
  afterAll(async () => {
    await streaming.close();
  });

  it("advertises streaming and concatenates chunks for message/send (textResult: task)", async () => {
    const card = await (await fetch(streaming.cardUrl)).json();
    expect(card.capabilities.streaming).toBe(true);
    const { json } = await post(streaming.url, send("x"));
    expect(json.result.kind).toBe("task");
    expect(json.result.artifacts[0].parts[0].text).toBe("one two");
  });

  it("tasks/cancel during message/stream ends the stream with a final canceled status", async () => {
    const ready = new Promise<void>((resolve) => (started = resolve));
    const res = await fetch(streaming.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ ...send("slow"), method: "message/stream" }),
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (!buffer.includes("\n\n")) buffer += (await reader.read()).value ?? "";
    const task = JSON.parse(buffer.slice(6, buffer.indexOf("\n\n"))).result;
    await ready;
    const cancel = await post(streaming.url, {
      jsonrpc: "2.0",
      id: 9,
      method: "tasks/cancel",
      params: { id: task.id },
    });
    expect(cancel.json.result.status.state).toBe("canceled");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
    }
    const events = buffer
      .trim()
      .split("\n\n")
      .map((e) => JSON.parse(e.slice(6)).result);
    expect(events.map((e) => e.kind)).toEqual(["task", "artifact-update", "status-update"]);
    expect(events.at(-1)).toMatchObject({ status: { state: "canceled" }, final: true });
  });
});

describe("framework adapters", () => {
  const handler = createA2AHandler({
    agentCard: { name: "fw" },
    basePath: "/a2a",
    pathSecret: "s".repeat(43),
    onMessage: (m) => `fw: ${textOf(m)}`,
  });
  let app: Server;
  let base = "";
  beforeAll(async () => {
    const ex = express();
    ex.use((req, res) => void handler.handleNode(req, res));
    app = createServer(ex);
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => app.close(r));
  });
  afterEach(async () => {
    // The fw handler keeps serving too.
    const res = await handler.handleFetch(
      new Request(`http://x/a2a/${"s".repeat(43)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(send("ok")),
      }),
    );
    const json = await res.json();
    if (json.result?.parts?.[0]?.text !== "fw: ok") {
      throw new Error(`the handler stopped serving: ${JSON.stringify(json)}`);
    }
  });

  it("handleFetch serves a web Request: card and JSON-RPC", async () => {
    const card = await handler.handleFetch(
      new Request(`https://agent.example/a2a/${"s".repeat(43)}/.well-known/agent-card.json`),
    );
    expect((await card.json()).url).toBe(`https://agent.example/a2a/${"s".repeat(43)}`);
    const res = await handler.handleFetch(
      new Request(`https://agent.example/a2a/${"s".repeat(43)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...send("web"), id: "w" }),
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: "w",
      result: { parts: [{ kind: "text", text: "fw: web" }] },
    });
    const wrong = await handler.handleFetch(
      new Request("https://agent.example/a2a/nope", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(wrong.status).toBe(404);
    const big = await handler.handleFetch(
      new Request(`https://agent.example/a2a/${"s".repeat(43)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "x".repeat(1024 * 1024 + 1),
      }),
    );
    expect(big.status).toBe(413);
  });

  it("handleNode works mounted in Express, with and without express.json()", async () => {
    const raw = await post(`${base}/a2a/${"s".repeat(43)}`, send("express"));
    expect(raw.json.result.parts[0].text).toBe("fw: express");
    const card = await fetch(`${base}/a2a/${"s".repeat(43)}/.well-known/agent-card.json`);
    expect((await card.json()).url).toBe(`${base}/a2a/${"s".repeat(43)}`);
    const parsedHandler = createA2AHandler({
      agentCard: { name: "p" },
      onMessage: (m) => `p: ${textOf(m)}`,
      basePath: "/json/a2a",
      pathSecret: "s".repeat(43),
    });
    const ex = express();
    ex.post(
      "/json/a2a/:secret",
      express.json(),
      (req, res) => void parsedHandler.handleNode(req, res, req.body),
    );
    const srv = createServer(ex);
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/json/a2a/${"s".repeat(43)}`;
      expect((await post(url, send("parsed"))).json.result.parts[0].text).toBe("p: parsed");
      const deep = JSON.parse(
        `{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":${"[".repeat(80)}${"]".repeat(80)}}}`,
      );
      expect((await post(url, deep)).json.error.code).toBe(-32600);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
