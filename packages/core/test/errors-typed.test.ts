// One error model in agent/ and a2a/: every error raised on purpose is a MoleculeError with a
// stable `code`, `retryable`, and a message that says what to do.
import { describe, expect, it } from "vitest";
import { rpcRequest, waitFor } from "@internal/test-utils";
import type { Dispatcher, DispatchOutcome } from "../src/agent/run/dispatcher.js";
import type { PushSource } from "../src/agent/source/push-source.js";
import { pushSource } from "./fixtures/push-source.js";
import {
  A2ARpcError,
  buildAgentCard,
  createA2AHandler,
  startA2AServer,
  type A2AHandlerContext,
  type A2AMessage,
} from "../src/public/a2a.js";
import { isMoleculeError, MoleculeOptionError, RemoteAgent } from "../src/index.js";
import { FakeClient } from "./fixtures/agent-fake-client.js";

/** Runs `fn` and returns what it threw (or the rejection of what it returned). */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

/** What an `invalid_option` error naming `option` looks like. */
function optionError(option: string): unknown {
  return expect.objectContaining({ code: "invalid_option", retryable: false, option });
}

const client = (): FakeClient => new FakeClient();
const handler = (): void => {};

describe("RemoteAgent option errors", () => {
  it.each([
    ["client", () => new RemoteAgent({} as never), /PlatformClient/],
    ["handler", () => new RemoteAgent({ client: client() } as never), /function/],
    ["concurrency", () => new RemoteAgent({ client: client(), handler, concurrency: 0 }), /got 0/],
    [
      "heartbeatIntervalMs",
      () => new RemoteAgent({ client: client(), handler, heartbeatIntervalMs: -1 }),
      /milliseconds/,
    ],
    [
      "pollIntervalMs",
      () => new RemoteAgent({ client: client(), handler, pollIntervalMs: Number.NaN }),
      /milliseconds/,
    ],
    [
      "replyConcurrency",
      () => new RemoteAgent({ client: client(), handler, replyConcurrency: 1.5 }),
      /positive integer/,
    ],
    [
      "conversationTurnLimit.maxTurns",
      () => new RemoteAgent({ client: client(), handler, conversationTurnLimit: { maxTurns: -1 } }),
      /0 turns the limit off/,
    ],
    [
      "conversationTurnLimit.windowMs",
      () => new RemoteAgent({ client: client(), handler, conversationTurnLimit: { windowMs: 0 } }),
      /milliseconds/,
    ],
  ] as const)("%s", async (option, make, hint) => {
    const err = await caught(make);
    expect(err).toBeInstanceOf(MoleculeOptionError);
    expect(isMoleculeError(err, "invalid_option")).toBe(true);
    expect(err).toEqual(optionError(option));
    expect((err as Error).message).toMatch(hint);
  });

  it("push with server:false and no publicUrl: start() rejects, and the agent can start again", async () => {
    const agent = new RemoteAgent({
      client: client(),
      handler,
      delivery: { mode: "push", server: false },
    });
    const err = await caught(() => agent.start());
    expect(err).toEqual(optionError("delivery.publicUrl"));
    expect((err as Error).message).toMatch(/handleA2A/);
    await agent.stop();
  });
});

describe("A2A push server option errors", () => {
  const card = { name: "a" };
  it.each([
    ["onMessage", () => createA2AHandler({ agentCard: card } as never), /function/],
    [
      "maxBodyBytes",
      () =>
        createA2AHandler({
          pathSecret: false,
          agentCard: card,
          onMessage: () => "",
          maxBodyBytes: 0,
        }),
      /got 0/,
    ],
    [
      "pathSecret",
      () => createA2AHandler({ agentCard: card, onMessage: () => "", pathSecret: "short" }),
      /generatePathSecret/,
    ],
    ["agentCard.name", () => buildAgentCard({ name: "" }, { url: "http://x/" }), /non-empty/],
    [
      "maxConnections",
      () => startA2AServer({ agentCard: card, onMessage: () => "", maxConnections: 0 }),
      /positive integer/,
    ],
  ] as const)("%s", async (option, make, hint) => {
    const err = await caught(make);
    expect(err).toBeInstanceOf(MoleculeOptionError);
    expect(isMoleculeError(err, "invalid_option")).toBe(true);
    expect(err).toEqual(optionError(option));
    expect((err as Error).message).toMatch(hint);
  });
});

/** A push pipeline over a dispatcher that answers every message with `outcome`. */
function pipeline(running: boolean, outcome: DispatchOutcome): PushSource {
  const dispatcher = { submit: async () => outcome } as unknown as Dispatcher;
  return pushSource(dispatcher, running, 10);
}

/** A JSON-RPC POST to an in-process A2A handler. */
const rpc = (method: string, params: unknown) =>
  rpcRequest("http://localhost/", method, params, { id: 1 });

describe("push pipeline errors", () => {
  const message: A2AMessage = {
    kind: "message",
    messageId: "m-1",
    role: "user",
    parts: [{ kind: "text", text: "hi" }],
  };

  it("not running: agent_not_running, retryable (the sender should retry later)", async () => {
    const err = await caught(() => pipeline(false, { status: "aborted" }).onMessage(message));
    expect(err).toMatchObject({ code: "agent_not_running", retryable: true });
    expect((err as Error).message).toMatch(/retry later/);
  });

  it("stopping: agent_stopping, retryable", async () => {
    const err = await caught(() => pipeline(true, { status: "aborted" }).onMessage(message));
    expect(err).toMatchObject({ code: "agent_stopping", retryable: true });
  });

  it("a handler that failed on every attempt: the sender gets -32603 handler_failed, never the handler's error", async () => {
    for (const error of ["plain string", new Error("boom: secret detail")]) {
      const err = await caught(() =>
        pipeline(true, { status: "dead-lettered", error }).onMessage(message),
      );
      expect(err).toBeInstanceOf(A2ARpcError);
      expect(err).toMatchObject({
        code: -32603,
        data: { code: "handler_failed", retryable: false },
      });
      expect((err as Error).message).not.toContain("boom");
      expect((err as Error).message).not.toContain("plain string");
    }
  });

  it("a handler's own A2ARpcError reaches the sender as it was thrown", async () => {
    const own = new A2ARpcError(-32602, "not something I handle");
    const err = await caught(() =>
      pipeline(true, { status: "dead-lettered", error: own }).onMessage(message),
    );
    expect(err).toBe(own);
  });
});

/** A `message/send` of `text`. */
function send(text: string, configuration?: unknown): Request {
  return rpc("message/send", {
    message: { role: "user", messageId: crypto.randomUUID(), parts: [{ kind: "text", text }] },
    ...(configuration ? { configuration } : {}),
  });
}

describe("A2A endpoint abort reasons and handler results", () => {
  it("ctx.signal.reason says why: task_canceled, handler_closed", async () => {
    const reasons: unknown[] = [];
    const running: A2AHandlerContext[] = [];
    const a2a = createA2AHandler({
      pathSecret: false,
      agentCard: { name: "a" },
      onMessage: async (_m, ctx) => {
        running.push(ctx);
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => {
            reasons.push(ctx.signal.reason);
            resolve();
          }),
        );
      },
    });
    const task = await (await a2a.handleFetch(send("wait", { blocking: false }))).json();
    await (await a2a.handleFetch(rpc("tasks/cancel", { id: task.result.id }))).json();
    await waitFor(() => reasons.length === 1);
    void a2a.handleFetch(send("wait", { blocking: false }));
    await waitFor(() => running.length === 2);
    await a2a.close();
    await waitFor(() => reasons.length === 2);
    expect(reasons[0]).toMatchObject({ code: "task_canceled" });
    expect(reasons[1]).toMatchObject({ code: "handler_closed" });
    expect(reasons.every((r) => isMoleculeError(r))).toBe(true);
  });

  it("an invalid handler result reaches onError as invalid_handler_result", async () => {
    const errors: unknown[] = [];
    const a2a = createA2AHandler({
      pathSecret: false,
      agentCard: { name: "a" },
      onMessage: () => 42 as unknown as string,
      onError: (err) => errors.push(err),
    });
    const res = await (await a2a.handleFetch(send("x"))).json();
    expect(res.error.code).toBe(-32603);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "invalid_handler_result", retryable: false });
    expect((errors[0] as Error).message).toMatch(/return a string/);
    await a2a.close();
  });
});
