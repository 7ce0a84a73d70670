// The `taskStore` option of createA2AHandler: an asynchronous store shared by two endpoints (a
// cancel through one aborts the handler running on the other, via `watch`), a store that fails
// (typed JSON-RPC error, reported, the handler not run), and a store that is not one.
import { describe, expect, it } from "vitest";
import { MemoryTaskStore } from "../src/a2a/server/store.js";
import type { A2ATaskStore, TaskCancelResult } from "../src/a2a/server/store.js";
import { createA2AHandler, type A2AHandler, type A2ATask } from "../src/public/a2a.js";

const copy = (t: A2ATask | undefined): A2ATask | undefined => t && structuredClone(t);

/** A JSON-RPC reply, as far as these tests read it. */
interface Reply {
  result: { id: string; status: { state: string } };
  error: { code: number; message: string };
}

/** An asynchronous store over one in-memory map, with cancel notifications: like a database. */
function sharedStore(): A2ATaskStore & { watchers: number } {
  const mem = new MemoryTaskStore(100);
  const listeners = new Set<(id: string) => void>();
  const store = {
    watchers: 0,
    get: async (id: string, ws: string) => copy(mem.get(id, ws)),
    save: async (t: A2ATask, ws: string) => mem.save(structuredClone(t), ws),
    cancel: async (id: string, ws: string): Promise<TaskCancelResult> => {
      const r = mem.cancel(id, ws);
      if (r.status === "canceled") queueMicrotask(() => listeners.forEach((l) => l(id)));
      return r.status === "not_found" ? r : { ...r, task: structuredClone(r.task) };
    },
    watch(onCancel: (id: string) => void) {
      listeners.add(onCancel);
      store.watchers = listeners.size;
      return {
        ready: Promise.resolve(),
        close: () => {
          listeners.delete(onCancel);
          store.watchers = listeners.size;
        },
      };
    },
  };
  return store;
}

async function call(h: A2AHandler, method: string, params: unknown): Promise<Reply> {
  const res = await h.handleFetch(
    new Request("http://x/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    }),
  );
  return (await res.json()) as Reply;
}

const message = (text: string) => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text }],
});

describe("createA2AHandler({ taskStore })", () => {
  it("two endpoints on one async store: get and cancel work on either", async () => {
    const store = sharedStore();
    let onAborted!: (reason: unknown) => void;
    const aborted = new Promise<unknown>((r) => (onAborted = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const a = createA2AHandler({
      pathSecret: false,
      agentCard: { name: "a" },
      taskStore: store,
      onMessage: async (m, ctx) => {
        started();
        await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
        onAborted(ctx.signal.reason);
        return "never stored";
      },
    });
    const b = createA2AHandler({
      pathSecret: false,
      agentCard: { name: "b" },
      taskStore: store,
      onMessage: () => "b",
    });
    const sent = await call(a, "message/send", {
      message: message("hold"),
      configuration: { blocking: false },
    });
    const id = sent.result.id;
    await running;
    expect((await call(b, "tasks/get", { id })).result.status.state).toBe("working");
    expect((await call(b, "tasks/cancel", { id })).result.status.state).toBe("canceled");
    expect(await aborted).toMatchObject({ code: "task_canceled" }); // via the store's watch
    expect((await call(a, "tasks/get", { id })).result.status.state).toBe("canceled");
    expect((await call(a, "tasks/cancel", { id })).error.code).toBe(-32002);
    expect((await call(b, "tasks/get", { id: "missing" })).error.code).toBe(-32001);
    expect(store.watchers).toBe(1); // only the endpoint that ran a task watches
    await a.close();
    await b.close();
    expect(store.watchers).toBe(0);
  });

  it("a failing store: -32603, reported, and the handler does not run", async () => {
    const broken = new Error("db down");
    const errors: unknown[] = [];
    let runs = 0;
    const h = createA2AHandler({
      pathSecret: false,
      agentCard: { name: "x" },
      onError: (e) => errors.push(e),
      onMessage: () => void runs++,
      taskStore: {
        get: async () => Promise.reject(broken),
        save: async () => Promise.reject(broken),
        cancel: async () => Promise.reject(broken),
      },
    });
    for (const [method, params] of [
      ["tasks/get", { id: "t" }],
      ["tasks/cancel", { id: "t" }],
      ["message/send", { message: message("m"), configuration: { blocking: false } }],
    ] as const) {
      const body = await call(h, method, params);
      expect(body.error).toEqual({
        code: -32603,
        message: "Internal error: the task store is unavailable",
      });
    }
    expect(runs).toBe(0);
    expect(errors).toEqual([broken, broken, broken]);
    await h.close();
  });

  it("rejects a taskStore that is not one, naming the option", () => {
    expect(() =>
      createA2AHandler({
        pathSecret: false,
        agentCard: { name: "x" },
        onMessage: () => "",
        taskStore: {} as never,
      }),
    ).toThrow(expect.objectContaining({ code: "invalid_option", option: "taskStore" }));
  });
});
