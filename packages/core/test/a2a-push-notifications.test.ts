// Push notifications over real HTTP (issue #61): a long task's updates reach its webhook with the
// config's token and credentials, in the dialect the config was set in (v0.3 Task, v1.0
// StreamResponse), whether the webhook came with the send or was set later; a failing webhook never
// slows the task, is retried with backoff, and states that pile up while it is slow are coalesced
// (one pending state per webhook, the newest); configs survive a restart with the file store.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rpc, waitFor } from "@internal/test-utils";
import { startA2AServer, type A2AServer } from "../src/public/a2a.js";
import { FileTaskStore } from "../src/store/file-task-store.js";

/** A webhook: every request it receives, answered by `answer` (default 200). */
interface Hook {
  url: string;
  received: Array<{ headers: IncomingMessage["headers"]; body: Record<string, any> }>; // oxlint-disable-line typescript/no-explicit-any
  held: ServerResponse[];
  close(): Promise<void>;
}

const opened: Array<{ close(): Promise<void> }> = [];

async function hook(
  answer: (res: ServerResponse, n: number) => void = (res) => res.end(),
): Promise<Hook> {
  const received: Hook["received"] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (text += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      answer(res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const h: Hook = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-path`,
    received,
    held,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  opened.push(h);
  return h;
}

/** A task that runs until `release()` (or a cancel). */
function gate(): { release: () => void; wait: (signal: AbortSignal) => Promise<void> } {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    release: () => release(),
    wait: (signal) =>
      Promise.race([done, new Promise<void>((r) => signal.addEventListener("abort", () => r()))]),
  };
}

async function agent(
  options: Record<string, unknown> = {},
): Promise<{ server: A2AServer; g: ReturnType<typeof gate>; errors: unknown[] }> {
  const g = gate();
  const errors: unknown[] = [];
  const server = await startA2AServer({
    agentCard: { name: "long" },
    pushNotifications: { allowAddresses: "private", retryDelayMs: 1 },
    onError: (err) => errors.push(err),
    onMessage: async (_m, ctx) => {
      await g.wait(ctx.signal);
      return "report ready";
    },
    ...options,
  });
  opened.push(server);
  return { server, g, errors };
}

const message = (text: string) => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text }],
});

afterEach(async () => {
  for (const o of opened.splice(0).toReversed()) await o.close();
});

describe("push notifications", () => {
  it("a long task's updates reach the webhook set with a non-blocking send (v0.3), with its token", async () => {
    const h = await hook();
    const { server, g } = await agent();
    const sent = await rpc(server.url, "message/send", {
      message: message("the Q1 report"),
      configuration: {
        blocking: false,
        pushNotificationConfig: {
          url: h.url,
          token: "tok-123",
          authentication: { schemes: ["Bearer"], credentials: "cred-456" },
        },
      },
    });
    const taskId = sent.result!.id!;
    await waitFor(() => h.received.some((r) => r.body.status?.state === "working"));
    g.release();
    const done = await waitFor(() => h.received.find((r) => r.body.status?.state === "completed"));
    expect(done.body).toMatchObject({ kind: "task", id: taskId });
    expect(done.body.artifacts[0].parts[0].text).toBe("report ready");
    expect(done.body.history).toBeUndefined();
    expect(done.headers["x-a2a-notification-token"]).toBe("tok-123");
    expect(done.headers["authorization"]).toBe("Bearer cred-456");
    expect(done.headers["content-type"]).toBe("application/json");
    // Read back, a config never shows its token or credentials (sent to the webhook only).
    const listed = await rpc(server.url, "tasks/pushNotificationConfig/list", { id: taskId });
    expect(listed.result).toEqual([
      {
        taskId,
        pushNotificationConfig: {
          id: expect.any(String),
          url: h.url,
          authentication: { schemes: ["Bearer"] },
        },
      },
    ]);
  });

  it("a config set on a running task (v1.0) gets StreamResponse updates until it is deleted", async () => {
    const h = await hook();
    const { server, g } = await agent();
    const sent = await rpc(
      server.url,
      "SendMessage",
      {
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "go" }] },
        configuration: { returnImmediately: true },
      },
      true,
    );
    const taskId = sent.result!.task!.id!;
    const set = await rpc(
      server.url,
      "CreateTaskPushNotificationConfig",
      { taskId, id: "h1", url: h.url, token: "t1" },
      true,
    );
    expect(set.result).toEqual({ taskId, id: "h1", url: h.url }); // the token is never echoed
    const got = await rpc(server.url, "GetTaskPushNotificationConfig", { taskId, id: "h1" }, true);
    expect(got.result).toEqual(set.result);
    g.release();
    const done = await waitFor(() =>
      h.received.find((r) => r.body.task?.status?.state === "TASK_STATE_COMPLETED"),
    );
    expect(done.body.task.id).toBe(taskId);
    expect(done.headers["content-type"]).toBe("application/a2a+json");
    expect(done.headers["x-a2a-notification-token"]).toBe("t1");
    const del = await rpc(
      server.url,
      "DeleteTaskPushNotificationConfig",
      { taskId, id: "h1" },
      true,
    );
    expect(del.result).toEqual({});
    const listed = await rpc(server.url, "ListTaskPushNotificationConfigs", { taskId }, true);
    expect(listed.result).toEqual({ configs: [], nextPageToken: "" });
  });

  it("a blocking send with a webhook: the webhook gets the final state of the task it created", async () => {
    const h = await hook();
    const { server } = await agent({
      onMessage: () => ({ kind: "task", status: { state: "completed" } }),
    });
    const sent = await rpc(server.url, "message/send", {
      message: message("x"),
      configuration: { pushNotificationConfig: { url: h.url } },
    });
    const done = await waitFor(() => h.received[0]);
    expect(done.body).toMatchObject({ id: sent.result!.id, status: { state: "completed" } });
  });

  it("a webhook that never answers does not slow the task: sends keep being answered", async () => {
    const stuck = await hook((res) => void stuck.held.push(res));
    const { server } = await agent({
      onMessage: () => ({ kind: "task", status: { state: "completed" } }),
    });
    const send = () =>
      rpc(server.url, "message/send", {
        message: message("x"),
        configuration: { pushNotificationConfig: { url: stuck.url } },
      });
    const first = await send();
    expect(first.result?.status?.state).toBe("completed");
    // The webhook holds the notification of that task, unanswered, while the agent keeps answering.
    await waitFor(() => stuck.held.length === 1);
    const second = await send();
    expect(second.result?.status?.state).toBe("completed");
    const got = await rpc(server.url, "tasks/get", { id: first.result!.id });
    expect(got.result?.status?.state).toBe("completed");
  });

  it("a failing webhook is retried with backoff until it takes the state", async () => {
    let fails = 2;
    const flaky = await hook((res) => {
      res.statusCode = fails-- > 0 ? 503 : 200;
      res.end();
    });
    const { server, g, errors } = await agent();
    const sent = await rpc(server.url, "message/send", {
      message: message("x"),
      configuration: { blocking: false },
    });
    const taskId = sent.result!.id!;
    const set = await rpc(server.url, "tasks/pushNotificationConfig/set", {
      taskId,
      pushNotificationConfig: { url: flaky.url },
    });
    expect(set.error).toBeUndefined();
    g.release();
    const ok = await waitFor(() => (flaky.received.length >= 3 ? flaky.received : undefined));
    expect(ok.map((r) => r.body.status.state)).toEqual(["completed", "completed", "completed"]);
    expect(errors).toEqual([]);
  });

  it("a webhook that keeps failing is given up after maxAttempts, reported without its path", async () => {
    const broken = await hook((res) => {
      res.statusCode = 500;
      res.end();
    });
    const { server, errors } = await agent({
      pushNotifications: { allowAddresses: "private", retryDelayMs: 1, maxAttempts: 3 },
      onMessage: () => ({ kind: "task", status: { state: "completed" } }),
    });
    await rpc(server.url, "message/send", {
      message: message("x"),
      configuration: { pushNotificationConfig: { url: broken.url, token: "tok-secret" } },
    });
    const err = await waitFor(() => errors[0]);
    expect(broken.received).toHaveLength(3);
    expect(err).toMatchObject({ code: "push_delivery_failed" });
    expect(String((err as Error).message)).not.toMatch(/secret-path|tok-secret/);
  });

  it("states that pile up behind a slow webhook are coalesced: the first, then the newest", async () => {
    const slow = await hook((res) => void slow.held.push(res));
    const { server, g } = await agent();
    const sent = await rpc(server.url, "message/send", {
      message: message("x"),
      configuration: { blocking: false, pushNotificationConfig: { url: slow.url } },
    });
    await waitFor(() => slow.held.length === 1);
    g.release();
    await waitFor(async () => {
      const t = await rpc(server.url, "tasks/get", { id: sent.result!.id });
      return t.result?.status?.state === "completed";
    });
    slow.held.shift()!.end();
    await waitFor(() => slow.held.length === 1);
    slow.held.shift()!.end();
    expect(slow.received.map((r) => r.body.status.state)).toEqual(["submitted", "completed"]);
  });

  it("a file store keeps a task's webhooks across a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "push-configs-"));
    try {
      const first = await agent({ taskStore: new FileTaskStore(join(dir, "tasks.json")) });
      const sent = await rpc(first.server.url, "message/send", {
        message: message("x"),
        configuration: { blocking: false },
      });
      const taskId = sent.result!.id!;
      await rpc(first.server.url, "tasks/pushNotificationConfig/set", {
        taskId,
        pushNotificationConfig: { id: "kept", url: "https://hooks.example.com/a", token: "t" },
      });
      await first.server.close();
      const second = await agent({ taskStore: new FileTaskStore(join(dir, "tasks.json")) });
      const got = await rpc(second.server.url, "tasks/pushNotificationConfig/get", {
        id: taskId,
        pushNotificationConfigId: "kept",
      });
      expect(got.result).toEqual({
        taskId,
        pushNotificationConfig: { id: "kept", url: "https://hooks.example.com/a" },
      });
      // The token is kept (for the webhook), only never answered.
      const stored = await new FileTaskStore(join(dir, "tasks.json")).pushConfigs(taskId, "");
      expect(stored.map((c) => c.token)).toEqual(["t"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the card says push notifications are served; pushNotifications: false turns them off", async () => {
    const on = await agent();
    const card = await (await fetch(on.server.cardUrl)).json();
    expect(card.capabilities.pushNotifications).toBe(true);
    const off = await agent({ pushNotifications: false });
    const offCard = await (await fetch(off.server.cardUrl)).json();
    expect(offCard.capabilities.pushNotifications).toBe(false);
    const set = await rpc(off.server.url, "tasks/pushNotificationConfig/set", {
      taskId: "t",
      pushNotificationConfig: { url: "https://hooks.example.com/a" },
    });
    expect(set.error?.code).toBe(-32003);
  });
});
