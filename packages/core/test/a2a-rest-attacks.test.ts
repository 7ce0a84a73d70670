// The HTTP+JSON routes (issue #61) get the JSON-RPC endpoint's refusals, as attacks over real
// HTTP: below the capability secret only (a wrong or missing secret is 404, the same as any
// unknown path); a body that is not JSON, or declared larger than the limit, is refused before one
// byte of it is read; another workspace's task sharing the store is unknown on every route (get,
// list, cancel, subscribe, push configs); a closed endpoint answers 503; a path that escapes or
// nests past the routes is 404.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "@internal/test-utils";
import { startA2AServer, type A2AServer } from "../src/public/a2a.js";
import { MemoryTaskStore } from "../src/a2a/server/store.js";

const shared = new MemoryTaskStore(100);
let mine: A2AServer;
let theirs: A2AServer;
let taskOfTheirs: string;

beforeAll(async () => {
  const options = {
    agentCard: { name: "rest" },
    streaming: true,
    maxBodyBytes: 4096,
    taskStore: shared,
    onMessage: (_m: unknown, ctx: { contextId: string }) => ({
      kind: "task" as const,
      id: crypto.randomUUID(),
      contextId: ctx.contextId,
      status: { state: "working" as const },
    }),
  };
  mine = await startA2AServer({ ...options, workspaceId: "ws-mine" });
  theirs = await startA2AServer({ ...options, workspaceId: "ws-theirs" });
  const sent = await rpc(theirs.url, "message/send", {
    message: {
      kind: "message",
      role: "user",
      messageId: "m1",
      parts: [{ kind: "text", text: "x" }],
    },
  });
  taskOfTheirs = sent.result!.id!;
});

afterAll(async () => {
  await mine?.close();
  await theirs?.close();
});

/** Sends `head` (no body) on a raw connection; resolves with the answer once the server replies. */
function raw(server: A2AServer, head: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), "127.0.0.1");
    let got = "";
    sock.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.includes("\r\n\r\n")) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on("error", reject);
    sock.once("connect", () => sock.write(head));
  });
}

describe("HTTP+JSON routes refuse as JSON-RPC does", () => {
  it("live below the path secret only: a missing or wrong secret is 404", async () => {
    const { origin, pathname } = new URL(mine.url);
    expect((await fetch(`${mine.url}/tasks`)).status).toBe(200);
    expect((await fetch(`${origin}/tasks`)).status).toBe(404);
    const wrong = pathname.replace(/.$/, (c) => (c === "a" ? "b" : "a"));
    expect((await fetch(`${origin}${wrong}/tasks`)).status).toBe(404);
    const send = await fetch(`${origin}/message:send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(send.status).toBe(404);
  });

  it("refuse a body that is not JSON, or too large, before reading it", async () => {
    const path = new URL(mine.url).pathname;
    const typed = await raw(
      mine,
      `POST ${path}/message:send HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000000\r\n\r\n`,
    );
    expect(typed).toMatch(/^HTTP\/1\.1 400 /); // ContentTypeNotSupported (A2A v1.0.1 §5.4)
    const big = await raw(
      mine,
      `POST ${path}/message:send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1\.1 413 /);
    expect(big.toLowerCase()).toContain("connection: close");
    // A browser form (text/plain, a simple request) cannot send a message either.
    const form = await fetch(`${mine.url}/message:send`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({
        message: { messageId: "x", role: "ROLE_USER", parts: [{ text: "x" }] },
      }),
    });
    expect(form.status).toBe(400);
    expect(((await form.json()) as { error: { status: string } }).error.status).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("answer another workspace's task as unknown on every route", async () => {
    const id = encodeURIComponent(taskOfTheirs);
    const get = await fetch(`${mine.url}/tasks/${id}`);
    expect(get.status).toBe(404);
    const json = { "content-type": "application/json" };
    const cancel = await fetch(`${mine.url}/tasks/${id}:cancel`, { method: "POST", headers: json });
    expect(cancel.status).toBe(404);
    const subscribe = await fetch(`${mine.url}/tasks/${id}:subscribe`, {
      method: "POST",
      headers: json,
    });
    expect(subscribe.status).toBe(404);
    const configs = await fetch(`${mine.url}/tasks/${id}/pushNotificationConfigs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: "https://hooks.example.com/steal" }),
    });
    expect(configs.status).toBe(404);
    const list = (await (await fetch(`${mine.url}/tasks`)).json()) as { tasks: unknown[] };
    expect(list.tasks).toEqual([]);
    // Theirs still sees it, unchanged.
    const own = (await (await fetch(`${theirs.url}/tasks/${id}`)).json()) as {
      status: { state: string };
    };
    expect(own.status.state).toBe("TASK_STATE_WORKING");
  });

  it("answer unknown routes and wrong methods as such, and bounds on ids", async () => {
    expect((await fetch(`${mine.url}/tasks/a/b/c/d/e`)).status).toBe(404);
    expect((await fetch(`${mine.url}/nothing`)).status).toBe(404);
    const put = await fetch(`${mine.url}/tasks/x`, { method: "PUT" });
    expect(put.status).toBe(405);
    const getSend = await fetch(`${mine.url}/message:send`);
    expect(getSend.status).toBe(405);
    expect(getSend.headers.get("allow")).toBe("POST");
    const long = await fetch(`${mine.url}/tasks/${"x".repeat(300)}`);
    expect(long.status).toBe(400);
    const badEscape = await fetch(`${mine.url}/tasks/%E0%A4%A`);
    expect(badEscape.status).toBe(400);
  });

  it("a closed endpoint answers 503", async () => {
    const closing = await startA2AServer({ agentCard: { name: "c" }, onMessage: () => "x" });
    const handler = closing.handler;
    await handler.close();
    const res = await handler.handleFetch(new Request(`${closing.url}/tasks`));
    expect(res.status).toBe(503);
    await closing.close();
  });
});

describe("handleFetch (web Request in, Response out)", () => {
  it("serves the HTTP+JSON routes as the node adapter does", async () => {
    const handler = (await import("../src/public/a2a.js")).createA2AHandler({
      agentCard: { name: "edge" },
      pathSecret: false,
      publicUrl: "https://agent.example.com/a2a",
      basePath: "/a2a",
      onMessage: () => "hi",
      textResult: "task",
    });
    try {
      const sent = await handler.handleFetch(
        new Request("https://agent.example.com/a2a/message:send", {
          method: "POST",
          headers: { "content-type": "application/a2a+json" },
          body: JSON.stringify({
            message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "x" }] },
          }),
        }),
      );
      expect(sent.status).toBe(200);
      expect(sent.headers.get("content-type")).toBe("application/a2a+json");
      const { task } = (await sent.json()) as { task: { id: string } };
      const got = await handler.handleFetch(
        new Request(`https://agent.example.com/a2a/tasks/${task.id}?historyLength=0`),
      );
      expect(((await got.json()) as { status: { state: string } }).status.state).toBe(
        "TASK_STATE_COMPLETED",
      );
      const del = await handler.handleFetch(
        new Request(`https://agent.example.com/a2a/tasks/${task.id}/pushNotificationConfigs/x`, {
          method: "DELETE",
        }),
      );
      expect(del.status).toBe(204);
      expect(await del.text()).toBe("");
    } finally {
      await handler.close();
    }
  });
});
