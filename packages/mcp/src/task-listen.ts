// Task status notifications of the Tasks extension (SEP-2663, "Task Status Notifications") for a
// 2026-era host: a `subscriptions/listen` whose filter names only `taskIds` is answered here, on
// both transports (the MCP SDK's listen routers know the four list and resource filters, not this
// one). The listen is acknowledged with the tasks it will report on (the known ones among them),
// sends one `notifications/tasks` (the `DetailedTask`, as `tasks/get` would answer it) as each
// ends, and ends with the listen's result once all have. A listen that names anything else is the
// SDK's. Over Streamable HTTP the listen is its own SSE response (`serveTaskListen`); over stdio
// its messages share the channel, each naming the listen in `_meta`, and the host ends it early
// with `notifications/cancelled` (`withTaskListens`).
import type { JSONRPCMessage, Transport, TransportSendOptions } from "@modelcontextprotocol/server";
import { declares, detailedTask, MISSING_TASKS } from "./task-methods.js";
import type { ToolTasks } from "./tool-tasks.js";

/** The `_meta` key of the subscription id every message of a listen carries. */
const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
/** Most task ids one listen may name (more are not acknowledged). */
const MAX_TASK_IDS = 256;
/** The SSE comment sent while nothing else is (ms): idle proxies keep the stream open. */
const KEEPALIVE_MS = 15_000;
/** Most task listens open at once per server (the SDK's own listens have their own bound). */
const MAX_LISTENS = 256;

/** The task listens open per store of tasks (one store per server), on both transports. */
const open = new WeakMap<ToolTasks, number>();

type RequestId = string | number;

interface ListenRequest {
  id: RequestId;
  method: string;
  params?: { notifications?: Record<string, unknown>; _meta?: Record<string, unknown> };
}

/** Ends an open listen; `graceful`: with the listen's result (else it just stops). */
type EndListen = (graceful: boolean) => void;

/**
 * How a task listen is answered: refused (one JSON-RPC error), or a listen that `open` starts:
 * it writes its messages with `write`, calls `onEnd` once when it has ended, and returns the
 * function that ends it early.
 */
type TaskListen =
  | { refusal: JSONRPCMessage }
  | { open(write: (message: JSONRPCMessage) => void, onEnd: () => void): EndListen };

/** Whether `message` is a `subscriptions/listen` that asks for task status only. */
function isTaskListen(message: unknown): message is ListenRequest {
  const m = message as ListenRequest | null;
  const filter = m?.params?.notifications;
  if (m?.method !== "subscriptions/listen" || filter === undefined || filter === null) return false;
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === "taskIds" && Array.isArray(filter["taskIds"]);
}

/** The answer to `message` when it is a task-status-only listen, else `undefined`. */
function taskListen(message: unknown, tasks: ToolTasks): TaskListen | undefined {
  if (!isTaskListen(message)) return undefined;
  const id = message.id;
  if (!declares(message.params?.["_meta"])) {
    return { refusal: { jsonrpc: "2.0", id, error: MISSING_TASKS } };
  }
  if ((open.get(tasks) ?? 0) >= MAX_LISTENS) {
    return {
      refusal: {
        jsonrpc: "2.0",
        id,
        error: { code: -32603, message: "Subscription limit reached" },
      },
    };
  }
  const asked = (message.params!.notifications!["taskIds"] as unknown[]).slice(0, MAX_TASK_IDS);
  const honored = [...new Set(asked.filter((t): t is string => typeof t === "string"))].flatMap(
    (taskId) => tasks.get(taskId) ?? [],
  );
  const meta = { [SUBSCRIPTION_ID]: id };
  return {
    open(write, onEnd) {
      open.set(tasks, (open.get(tasks) ?? 0) + 1);
      let ended = false;
      const end: EndListen = (graceful) => {
        if (ended) return;
        if (graceful)
          write({ jsonrpc: "2.0", id, result: { resultType: "complete", _meta: meta } });
        ended = true;
        open.set(tasks, (open.get(tasks) ?? 1) - 1);
        onEnd();
      };
      write({
        jsonrpc: "2.0",
        method: "notifications/subscriptions/acknowledged",
        params: { notifications: { taskIds: honored.map((t) => t.taskId) }, _meta: meta },
      });
      let left = honored.length;
      if (left === 0) end(true);
      for (const task of honored) {
        void task.ended.then(() => {
          if (ended) return;
          write({
            jsonrpc: "2.0",
            method: "notifications/tasks",
            params: { ...detailedTask(task), _meta: meta },
          });
          if (--left === 0) end(true);
        });
      }
      return end;
    },
  };
}

/**
 * Streamable HTTP: the answer to `message` when it is a task-status-only `subscriptions/listen`
 * (an SSE stream, or the JSON-RPC error that refuses it), else `undefined` (the SDK serves it).
 * `signal` aborts when the host leaves.
 */
export function serveTaskListen(
  message: unknown,
  tasks: ToolTasks,
  signal: AbortSignal,
): Response | undefined {
  const listen = taskListen(message, tasks);
  if (listen === undefined) return undefined;
  if ("refusal" in listen) return Response.json(listen.refusal);
  const encoder = new TextEncoder();
  let closed = false;
  let end: EndListen | undefined;
  const onAbort = (): void => end?.(false);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const keepalive = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(": keepalive\n\n"));
      }, KEEPALIVE_MS);
      end = listen.open(
        (frame) => {
          if (!closed)
            controller.enqueue(
              encoder.encode(`event: message\ndata: ${JSON.stringify(frame)}\n\n`),
            );
        },
        () => {
          closed = true;
          clearInterval(keepalive);
          signal.removeEventListener("abort", onAbort);
          controller.close();
        },
      );
    },
    cancel: () => end?.(false),
  });
  if (signal.aborted) end?.(false);
  else if (!closed) signal.addEventListener("abort", onAbort, { once: true });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" },
  });
}

/**
 * Stdio: `inner` with the task-status-only listens served in front of whoever uses it (the SDK's
 * `serveStdio`, whose own listen router would acknowledge such a filter as empty). A listen's
 * messages go out on the channel; the host's `notifications/cancelled` naming it ends it without
 * a result; closing the transport ends every open one with its result first.
 */
export function withTaskListens(inner: Transport, tasks: ToolTasks): Transport {
  const listens = new Map<RequestId, EndListen>();
  const write = (message: JSONRPCMessage): void => void inner.send(message).catch(() => undefined);
  const outer: Transport = {
    start: () => inner.start(),
    send: (message: JSONRPCMessage, options?: TransportSendOptions) => inner.send(message, options),
    setProtocolVersion: (version: string) => inner.setProtocolVersion?.(version),
    async close() {
      for (const end of listens.values()) end(true);
      await inner.close();
    },
  };
  // A transport has one handler of each kind: these are `inner`'s, forwarding to `outer`'s.
  // oxlint-disable-next-line unicorn/prefer-add-event-listener
  inner.onmessage = (message, extra) => {
    const listen = taskListen(message, tasks);
    if (listen !== undefined) {
      const { id } = message as ListenRequest;
      if ("refusal" in listen) write(listen.refusal);
      else {
        listens.get(id)?.(false); // a host that reuses an open listen's id replaces it
        let done = false;
        const end = listen.open(write, () => {
          done = true;
          listens.delete(id);
        });
        if (!done) listens.set(id, end); // one that names no running task ends at once
      }
      return;
    }
    const m = message as { method?: string; params?: { requestId?: RequestId } };
    const cancelled = m.method === "notifications/cancelled" ? m.params?.requestId : undefined;
    if (cancelled !== undefined && listens.has(cancelled)) return listens.get(cancelled)!(false);
    outer.onmessage?.(message, extra);
  };
  // oxlint-disable-next-line unicorn/prefer-add-event-listener
  inner.onerror = (error) => outer.onerror?.(error);
  // oxlint-disable-next-line unicorn/prefer-add-event-listener
  inner.onclose = () => {
    for (const end of listens.values()) end(false);
    outer.onclose?.();
  };
  return outer;
}
